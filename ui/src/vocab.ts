// The core's fixed vocabularies (src/vocab.rs): category, stage, status and town-code colour names
// with their codes and display colours. The screens take lists and colours from here, never their own.
import { call } from './transport'

export interface Term {
  code: string
  name: string
  /** `#rrggbb`, where the product shows the term in a colour. */
  colour: string | null
}

export interface Vocabularies {
  categories: Term[]
  stages: Term[]
  statuses: Term[]
  code_colours: Term[]
  chain_segments: Term[]
  link_strengths: Term[]
  chain_actions: Term[]
  firm_flags: Term[]
}

let vocabularies: Promise<Vocabularies> | undefined

/** Fetched once: the vocabularies are compiled into the core and never change while it runs. */
export function loadVocabularies(): Promise<Vocabularies> {
  vocabularies ??= call<Vocabularies>('vocabularies')
  vocabularies.catch(() => (vocabularies = undefined))
  return vocabularies
}

/** name → colour of the terms that have one. */
export function colourMap(terms: Term[]): Record<string, string> {
  return Object.fromEntries(terms.filter((t) => t.colour).map((t) => [t.name, t.colour as string]))
}

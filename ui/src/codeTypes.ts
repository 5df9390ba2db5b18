// JSON shapes of the town-code (一码) commands: code_list, code_search, code_show, code_card,
// code_verify, code_verify_image, code_export, code_keys, code_key_import, code_key_export
// (src/towncode/town.rs, src/api/towncode.rs).

export type ColourName = '绿' | '黄' | '红' | '灰'

export interface CodedTown {
  town_id: number
  name: string
  city: string
  county: string
  category: string
  stage: string
  code: string
  printed: string
  colour: ColourName
}

export interface CodeListItem extends CodedTown {
  reasons: string[]
}

export interface CodeList {
  demo: boolean
  total: number
  counts: Record<ColourName, number>
  towns: CodeListItem[]
}

export interface RuleOutcome {
  id: string
  colour: ColourName
  description: string
  state: '触发' | '未触发' | '未评估' | '不适用'
  value: string | null
  threshold: string
  detail: string
}

export interface TownCodeView extends CodedTown {
  demo: boolean
  status: string
  reasons: RuleOutcome[]
  rules: RuleOutcome[]
  period: string
  figures: { label: string; value: string }[]
  score: number | null
  rank: [number, number] | null
  payload: string
  issued: string
  key_id: string
}

export interface CardImage {
  town_id: number
  name: string
  code: string
  size: 'a6' | 'a4'
  mime: string
  png_base64: string
}

export interface VerifyReport {
  /** 真实有效 / 签名不符：可能被篡改 / 签发方未知 / 已过期：有更新的小镇码 */
  verdict: string
  label: string
  ok: boolean
  code: string | null
  name: string | null
  colour: ColourName | null
  issued: string | null
  key_id: string
  issuer: string | null
  text: string
}

export interface Exported {
  dir: string
  files: string[]
}

const DIGITS = '零一二三四五六七八九'

/** The code as read aloud: groups of the printed form, digits in Chinese. D-330110-001-X → D，三三零一一零，零零一，X */
export function spoken(printed: string): string {
  return printed
    .split('-')
    .map((g) => [...g].map((c) => (c >= '0' && c <= '9' ? DIGITS[Number(c)] : c)).join(''))
    .join('，')
}

/** A signing key this installation accepts: its own or one imported from another office. */
export interface TrustedKey {
  key_id: string
  issuer: string
  own: boolean
}

export interface PublicKey {
  key_id: string
  text: string
  /** Where the key file was saved. */
  file: string
}

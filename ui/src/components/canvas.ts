import type { InjectionKey, Ref } from 'vue'

export const CANVAS_W = 1920
export const CANVAS_H = 1080

/** The current canvas scale (window pixels per design pixel). */
export const scaleKey: InjectionKey<Ref<number>> = Symbol('canvas-scale')

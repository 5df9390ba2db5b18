// The one way the screens reach the core: Tauri IPC inside the desktop shell, HTTP + access token
// against `towncockpit serve` in a browser. Both end in the core's single command table.
import { invoke, isTauri } from '@tauri-apps/api/core'

/** What the core sends when a command fails (`ApiError` in src/api/mod.rs). */
export interface ApiErrorBody {
  kind: string
  message: string
  detail?: string
}

export class ApiError extends Error {
  readonly kind: string
  readonly detail?: string
  constructor(body: ApiErrorBody) {
    super(body.message)
    this.kind = body.kind
    this.detail = body.detail
  }
}

const TOKEN_KEY = 'towncockpit.token'

/**
 * The server prints `http://127.0.0.1:PORT/#token=…`. Take the token out of the fragment before the
 * router sees it and keep it for this origin, so reloads and new tabs keep working for this run.
 */
export function captureToken(): void {
  const m = /^#token=([A-Za-z0-9_-]+)/.exec(window.location.hash)
  if (m) {
    localStorage.setItem(TOKEN_KEY, m[1])
    history.replaceState(null, '', window.location.pathname + window.location.search + '#/')
  }
}

function token(): string | null {
  return localStorage.getItem(TOKEN_KEY)
}

export function transportName(): 'tauri' | 'http' {
  return isTauri() ? 'tauri' : 'http'
}

function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e
  if (e && typeof e === 'object' && 'message' in e && 'kind' in e) return new ApiError(e as ApiErrorBody)
  if (typeof e === 'string') return new ApiError({ kind: 'internal', message: e })
  return new ApiError({ kind: 'transport', message: '无法连接驾驶舱核心程序', detail: String(e) })
}

/** Calls the core command `name` with JSON `args`. Rejects with an {@link ApiError} (Chinese message). */
export async function call<T>(name: string, args: Record<string, unknown> = {}): Promise<T> {
  if (isTauri()) {
    try {
      return await invoke<T>('call', { name, args })
    } catch (e) {
      throw asApiError(e)
    }
  }
  let res: Response
  try {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' }
    const t = token()
    if (t) headers.Authorization = `Bearer ${t}`
    res = await fetch(`/api/${encodeURIComponent(name)}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(args),
    })
  } catch (e) {
    throw new ApiError({ kind: 'transport', message: '无法连接驾驶舱服务，请确认 towncockpit serve 仍在运行', detail: String(e) })
  }
  const body: unknown = await res.json().catch(() => null)
  if (!res.ok) {
    if (body && typeof body === 'object' && 'message' in body) throw asApiError(body)
    if (res.status === 413) throw new ApiError({ kind: 'too_large', message: tooLarge(name) })
    throw new ApiError({ kind: 'transport', message: `驾驶舱服务返回错误（HTTP ${res.status}）` })
  }
  return body as T
}

/**
 * A 413 without the server's JSON (from something between the browser and the server). The limits
 * named are the server's (`body_limit_mib` in src/server/mod.rs; tests/server.rs checks this text).
 */
function tooLarge(name: string): string {
  return `命令「${name}」的请求体超过了服务允许的大小上限（HTTP 413），未处理：图片最大 32 MB，其他请求最大 1 MB。请上传更小的文件`
}

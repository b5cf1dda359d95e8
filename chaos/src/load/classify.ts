import type { ClientEvent } from '../record/history.js'

/** The parts of a {@link ClientEvent} read from one HTTP answer's status and body. */
export type Classified = Pick<
  ClientEvent,
  'outcome' | 'answerId' | 'errorCode' | 'errorMessage' | 'chainpulseCode' | 'detail'
>

/**
 * Reads a single (non-batch) JSON-RPC answer the way a strict client would: a `result` only counts on
 * HTTP 200, an `error` must be an object with a numeric code, anything else is `unparseable`.
 */
export function classifyAnswer(status: number, text: string): Classified {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return { outcome: 'unparseable', detail: `HTTP ${status}: ${text.slice(0, 120)}` }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { outcome: 'unparseable', detail: `HTTP ${status}: ${text.slice(0, 120)}` }
  }
  const answer = body as { id?: unknown; result?: unknown; error?: unknown }
  if ('result' in answer && status === 200) return { outcome: 'result', answerId: answer.id }
  const error = answer.error as { code?: unknown; message?: unknown; data?: { code?: unknown } } | undefined
  if (typeof error === 'object' && error !== null && typeof error.code === 'number') {
    return {
      outcome: 'rpc-error',
      answerId: answer.id,
      errorCode: error.code,
      errorMessage: String(error.message),
      ...(typeof error.data?.code === 'string' ? { chainpulseCode: error.data.code } : {}),
    }
  }
  return { outcome: 'unparseable', answerId: answer.id, detail: `HTTP ${status}: ${text.slice(0, 120)}` }
}

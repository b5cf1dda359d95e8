/**
 * @chainpulse/server — the JSON-RPC proxy and dashboard API. Built in a later issue; this shell keeps
 * the workspace and its pipelines whole until then.
 */
export const serverPackageName = '@chainpulse/server'

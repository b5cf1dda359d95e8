/**
 * Polls `probe` every `intervalMs` until it returns something other than `undefined` or `false`, and
 * resolves with it; fails after `timeoutMs`. Tests wait on conditions with this, never a fixed sleep.
 *
 * @throws {Error} naming `what` when the condition does not hold in time.
 * @example
 * await waitFor(() => adapter.status().connected, { what: 'the adapter to connect' })
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 10, what = 'condition' } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

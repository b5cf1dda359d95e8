/** One registered listener: the function, and whether it goes after its first call. */
interface Entry {
  listener: (...args: unknown[]) => void
  once: boolean
}

/** What {@link createListeners} returns: EventEmitter's `on`/`once`/`off`/`emit`, no more. */
export interface Listeners<Events extends { [E in keyof Events]: unknown[] }> {
  on<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void, once?: boolean): void
  off<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): void
  emit<E extends keyof Events>(event: E, ...args: Events[E]): void
}

/**
 * The few listener mechanics an EIP-1193 provider needs, as Node's EventEmitter does them: listeners
 * run in the order added, a function added twice runs twice, `off` removes its most recent addition.
 * Unlike EventEmitter, a listener that throws does not keep the others from running (its error is
 * rethrown asynchronously): one app's broken handler must not stop a subscription's delivery to the rest.
 */
export function createListeners<Events extends { [E in keyof Events]: unknown[] }>(): Listeners<Events> {
  const byEvent = new Map<keyof Events, Entry[]>()
  return {
    on(event, listener, once = false) {
      const entries = byEvent.get(event) ?? []
      entries.push({ listener: listener as unknown as Entry['listener'], once })
      byEvent.set(event, entries)
    },
    off(event, listener) {
      const entries = byEvent.get(event)
      if (!entries) return
      const index = entries.findLastIndex((entry) => entry.listener === (listener as unknown))
      if (index !== -1) entries.splice(index, 1)
    },
    emit(event, ...args) {
      const entries = byEvent.get(event)
      if (!entries) return
      for (const entry of [...entries]) {
        if (entry.once) entries.splice(entries.indexOf(entry), 1)
        try {
          entry.listener(...args)
        } catch (error) {
          queueMicrotask(() => {
            throw error
          })
        }
      }
    },
  }
}

import { signal } from '@preact/signals'
import { api } from './client.js'
import type { Capabilities } from './types.js'

/** What this server lets the dashboard do; `null` until known. Controls stay hidden until then. */
export const capabilities = signal<Capabilities | null>(null)

/** Loads {@link capabilities}, retrying every few seconds until the server answers. */
export async function loadCapabilities(): Promise<void> {
  for (;;) {
    try {
      capabilities.value = await api.capabilities()
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 3_000))
    }
  }
}

import type { Signal } from '@preact/signals'
import { createRingBuffer } from '../ring-buffer.js'
import type { TopicHandler } from './topic-handler.js'

/** A live topic shown as a bounded list, newest first (`provider_pool:events`, `races`). */
export function feed<Item>(target: Signal<Item[]>, size: number): TopicHandler<Item> {
  const buffer = createRingBuffer<Item>(size)
  return {
    take: (item) => buffer.push(item),
    publish() {
      target.value = buffer.toArray().reverse()
    },
    reset() {
      buffer.clear()
      target.value = []
    },
  }
}

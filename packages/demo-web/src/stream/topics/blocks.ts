import type { Signal } from '@preact/signals'
import type { BlockEvent } from '../../api/types.js'
import { createRingBuffer, type RingBuffer } from '../ring-buffer.js'
import type { TopicHandler } from './topic-handler.js'

/** `blocks:new`: the latest `perChain` blocks of each chain, newest first. */
export function blocksTopic(
  target: Signal<Record<string, BlockEvent[]>>,
  perChain: number,
): TopicHandler<BlockEvent> {
  const buffers = new Map<string, RingBuffer<BlockEvent>>()
  return {
    take(block) {
      let buffer = buffers.get(block.chain)
      if (!buffer) {
        buffer = createRingBuffer<BlockEvent>(perChain)
        buffers.set(block.chain, buffer)
      }
      buffer.push(block)
    },
    publish() {
      const blocks: Record<string, BlockEvent[]> = {}
      for (const [chain, buffer] of buffers) blocks[chain] = buffer.toArray().reverse()
      target.value = blocks
    },
    reset() {
      buffers.clear()
      target.value = {}
    },
  }
}

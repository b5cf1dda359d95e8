import type { Signal } from '@preact/signals'
import type { TopicHandler } from './topic-handler.js'

/**
 * A snapshot topic (`providers`, `leaderboard`): the server sends the whole state every second,
 * so only the latest of a frame matters.
 */
export function latestValue<Payload>(target: Signal<Payload>): TopicHandler<Payload> {
  let latest: { value: Payload } | undefined
  return {
    take(payload) {
      latest = { value: payload }
    },
    publish() {
      if (latest) target.value = latest.value
      latest = undefined
    },
  }
}

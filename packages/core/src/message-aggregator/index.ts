export { type KeyableBlock, type KeyableLog, logKey, newHeadsKey } from './event-keys.js'
export {
  type AggregatedMessage,
  createMessageAggregator,
  type IngestInput,
  type IngestResult,
  type MessageAggregator,
  type MessageAggregatorErrorSource,
  type MessageAggregatorOptions,
  type MessageAggregatorStats,
  type RaceOutcome,
  type RaceRecorder,
} from './message-aggregator.js'

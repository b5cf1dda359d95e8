export {
  createInMemoryBus,
  type InMemoryBus,
  type InMemoryBusMessage,
  type InMemoryBusOptions,
} from './in-memory-bus.js'
export {
  type AnyTopicListener,
  createPubSub,
  type PubSub,
  type PubSubAdapter,
  type PubSubOptions,
  type TopicListener,
  type TopicOf,
  type Unsubscribe,
} from './pubsub.js'
export type {
  BlockEvent,
  ChainPulseTopics,
  ConnectionEvent,
  ProviderPoolEvent,
  ProviderPoolEventType,
  RaceEvent,
  RoutingDecisionEvent,
} from './topics.js'

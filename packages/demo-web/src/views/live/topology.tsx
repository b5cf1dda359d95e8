import { useEffect, useRef } from 'preact/hooks'
import { formatNumber, formatPercent } from '../../format/format.js'
import {
  type EdgeLoad,
  edgeLoad,
  edgePath,
  edgeWidth,
  layoutTopology,
  nodeStates,
  type TopologyInput,
} from './topology-model.js'

const clampY = (y: number, top: number, bottom: number) => Math.min(bottom - 12, Math.max(top + 12, y))

/** Edge flow updates per second: enough to read as motion, few enough to cost nothing under load. */
export const EDGE_FLOW_HZ = 5
/** Dash pattern period of an edge (styles.css `stroke-dasharray: 10 8`). */
const DASH_PERIOD = 18
/** Pixels the dashes move per tick, by load: ~10, 20 and 40 px/s. */
const flowStep: Record<EdgeLoad, number> = { idle: 0, low: 2, medium: 4, high: 8 }

/**
 * Moves the dashes of every loaded edge a step `EDGE_FLOW_HZ` times a second, writing the elements'
 * style directly: the SVG repaints a few times a second instead of every frame (as a CSS animation of
 * the non-composited `stroke-dashoffset` would), and Preact does not re-render for it.
 */
function useEdgeFlow(svg: { current: SVGSVGElement | null }): void {
  useEffect(() => {
    if (globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches) return
    let tick = 0
    const timer = setInterval(() => {
      tick++
      const edges = svg.current?.querySelectorAll<SVGPathElement>('path.edge[data-load]') ?? []
      for (const edge of edges) {
        const step = flowStep[edge.getAttribute('data-load') as EdgeLoad] ?? 0
        if (step > 0) edge.style.strokeDashoffset = String(-((tick * step) % DASH_PERIOD))
      }
    }, 1_000 / EDGE_FLOW_HZ)
    return () => clearInterval(timer)
  }, [svg])
}

/**
 * Clients → ChainPulse → providers as an SVG, one band per chain. Providers are coloured by state and
 * edges thicken and flow faster with the traffic each provider served over the last few seconds (the
 * flow is stepped a few times a second, see {@link EDGE_FLOW_HZ}). Geometry comes from the provider
 * list only, so nothing moves as live figures change.
 */
export function Topology(props: TopologyInput) {
  const svg = useRef<SVGSVGElement>(null)
  useEdgeFlow(svg)
  const layout = layoutTopology(props)
  const { hub } = layout
  const hubTop = hub.y
  const hubBottom = hub.y + hub.height
  return (
    <div class="topology" data-testid="topology" data-clients={layout.totalClients}>
      <div class="legend" data-testid="topology-legend">
        {nodeStates.map((entry) => (
          <span key={entry.state} class="legend-item">
            <span class={`swatch node-${entry.state}`} />
            {entry.label}
          </span>
        ))}
        <span class="legend-item muted">edge width and flow = requests/s over the last 5 s</span>
      </div>
      <svg
        ref={svg}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width="100%"
        role="img"
        aria-label="ChainPulse topology"
        style={{ aspectRatio: `${layout.width} / ${layout.height}` }}
      >
        {layout.groups.map((group) => {
          const clientsY = group.clients.y + group.clients.height / 2
          const load = edgeLoad(group.clients.requestsPerSecond)
          return (
            <g key={group.chain} data-chain={group.chain}>
              <rect class="chain-frame" {...group.frame} rx={10} />
              <text class="chain-label" x={group.frame.x + 12} y={group.frame.y + 18}>
                {group.chain}
              </text>
              <path
                class={`edge load-${load}`}
                data-load={load}
                d={edgePath(
                  group.clients.x + group.clients.width,
                  clientsY,
                  hub.x,
                  clampY(clientsY, hubTop, hubBottom),
                )}
                stroke-width={edgeWidth(group.clients.requestsPerSecond)}
              />
              {group.providers.map((provider) => {
                const y = provider.y + provider.height / 2
                const providerLoad = edgeLoad(provider.requestsPerSecond)
                const failing = (provider.errorRate ?? 0) > 0.2
                return (
                  <path
                    key={provider.id}
                    class={`edge load-${providerLoad}${failing ? ' failing' : ''}`}
                    data-edge={provider.id}
                    data-load={providerLoad}
                    d={edgePath(hub.x + hub.width, clampY(y, hubTop, hubBottom), provider.x, y)}
                    stroke-width={edgeWidth(provider.requestsPerSecond)}
                  />
                )
              })}
              <g
                class="node clients"
                data-testid={`topology-clients-${group.chain}`}
                data-count={group.clients.count}
              >
                <rect {...group.clients} rx={8} />
                <text x={group.clients.x + 14} y={group.clients.y + 23} class="node-title">
                  clients · {group.chain}
                </text>
                <text x={group.clients.x + 14} y={group.clients.y + 43} class="node-figure">
                  {group.clients.count} connected · {formatNumber(group.clients.requestsPerSecond, 1)} req/s
                </text>
              </g>
              {group.providers.map((provider) => (
                <g
                  key={provider.id}
                  class={`node provider node-${provider.state}`}
                  data-testid={`topology-provider-${provider.id}`}
                  data-state={provider.state}
                  data-rps={provider.requestsPerSecond.toFixed(2)}
                >
                  <rect
                    x={provider.x}
                    y={provider.y}
                    width={provider.width}
                    height={provider.height}
                    rx={8}
                  />
                  <circle cx={provider.x + 16} cy={provider.y + provider.height / 2} r={6} class="dot" />
                  <text x={provider.x + 30} y={provider.y + 17} class="node-title">
                    {provider.id}
                  </text>
                  <text x={provider.x + 30} y={provider.y + 33} class="node-figure">
                    {provider.state} · {formatNumber(provider.requestsPerSecond, 1)} req/s
                    {provider.errorRate ? ` · ${formatPercent(provider.errorRate)} err` : ''}
                  </text>
                </g>
              ))}
            </g>
          )
        })}
        <g class="node hub" data-testid="topology-hub">
          <rect {...hub} rx={12} />
          <text
            x={hub.x + hub.width / 2}
            y={hub.y + hub.height / 2 - 4}
            text-anchor="middle"
            class="hub-title"
          >
            ChainPulse
          </text>
          <text
            x={hub.x + hub.width / 2}
            y={hub.y + hub.height / 2 + 16}
            text-anchor="middle"
            class="node-figure"
          >
            {layout.totalClients} clients
          </text>
        </g>
      </svg>
    </div>
  )
}

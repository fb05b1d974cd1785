import type { WorkerHealth } from "../edge/health/health-monitor";

/**
 * Requests and errors of each version that served within the health window, as horizontal bars: drawn on
 * the server as SVG (no script), with the same figures in a table for screen readers and for reading.
 */
export function HealthChart(props: { health: WorkerHealth; numbers: Map<string, number> }) {
	const rows = props.health.versions;
	const minutes = Math.round(props.health.window_seconds / 60);
	if (rows.length === 0) return <p class="muted">No traffic in the last {minutes} minutes.</p>;
	const max = Math.max(...rows.map((r) => r.requests), 1);
	const width = 320;
	const rowHeight = 28;
	return (
		<figure>
			<svg
				class="bar-chart"
				role="img"
				aria-labelledby="health-caption"
				viewBox={`0 0 ${width + 90} ${rows.length * rowHeight + 4}`}
				width="100%"
				height={rows.length * rowHeight + 4}
				preserveAspectRatio="xMinYMin meet"
			>
				<title>Requests and errors per version</title>
				{rows.map((r, i) => {
					const y = i * rowHeight + 2;
					const total = Math.max(2, (r.requests / max) * width);
					const bad = r.requests > 0 ? (r.errors / r.requests) * total : 0;
					return (
						<g>
							<text x="0" y={y + 17}>
								v{props.numbers.get(r.version_id) ?? "?"}
							</text>
							<rect x="40" y={y + 4} width={total} height="18" fill="#146c2e" />
							<rect x="40" y={y + 4} width={bad} height="18" fill="#b3261e" />
							<text x={46 + total} y={y + 17}>
								{r.requests}
							</text>
						</g>
					);
				})}
			</svg>
			<figcaption id="health-caption">
				Requests (green) and errors (red) per version over the last {minutes} minutes.
			</figcaption>
			<div class="table-wrap">
				<table>
					<thead>
						<tr>
							<th scope="col">Version</th>
							<th scope="col">Requests</th>
							<th scope="col">Errors</th>
							<th scope="col">Exceptions</th>
							<th scope="col">Error rate</th>
						</tr>
					</thead>
					<tbody>
						{rows.map((r) => (
							<tr>
								<td>v{props.numbers.get(r.version_id) ?? "?"}</td>
								<td>{r.requests}</td>
								<td>{r.errors}</td>
								<td>{r.exceptions}</td>
								<td>{(r.error_rate * 100).toFixed(1)} %</td>
							</tr>
						))}
					</tbody>
				</table>
			</div>
		</figure>
	);
}

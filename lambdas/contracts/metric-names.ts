/**
 * The CloudWatch contract between the functions that emit metrics (embedded metric format) and the
 * dashboards, alarms and Route 53 CLOUDWATCH_METRIC health checks that read them. A CloudWatch
 * metric is addressed by namespace, name and its exact set of dimensions, so a reader that spells
 * one of them differently, or misses one, watches a metric nobody writes and never alarms. Both
 * sides therefore import the strings and the dimension maps from here, and nowhere else spells them
 * (test/handlers/probe.test.ts checks that for lambdas/).
 *
 * This file has no imports on purpose: the CDK app and the Lambda bundles both load it.
 */

/** The namespace of every metric of this project. */
export const METRIC_NAMESPACE = 'CarrierFailover';

/** Dimension names. Values are the deployment name, a site id, an AWS region and a probe kind. */
export const DIMENSION_NAMES = {
  deployment: 'Deployment',
  site: 'Site',
  region: 'Region',
  kind: 'Kind',
} as const;

/** A CloudWatch unit, spelled as both Powertools' `MetricUnit` and CDK's `cloudwatch.Unit` spell it. */
export type MetricUnitName = 'Count' | 'Milliseconds' | 'Percent' | 'None';

/** A metric's name with the unit it is emitted in. */
export interface MetricDefinition {
  readonly name: string;
  readonly unit: MetricUnitName;
}

/**
 * The metrics the probe function emits. Dimensions: `probeSuccess` and `probeLatency` with
 * {@link siteRegionDimensions} and again with {@link siteRegionKindDimensions}; `callSetupTime` the
 * same for test calls; `siteDown` with {@link siteRegionDimensions}; `probeHeartbeat`, `controlReachable` and `replicationAbstained` with
 * {@link regionDimensions}.
 */
export const PROBE_METRICS = {
  /** One value per endpoint probe: 1 healthy, 0 failed. Average is the healthy share; Minimum 0 means one failed. */
  probeSuccess: { name: 'ProbeSuccess', unit: 'Count' },
  /** One value per endpoint probe that measured its latency, in milliseconds (test calls excluded). */
  probeLatency: { name: 'ProbeLatency', unit: 'Milliseconds' },
  /**
   * One value per test call that was answered at all: milliseconds from the INVITE to its first
   * answer (a ringing or a final answer, 100 Trying aside), with {@link siteRegionDimensions} and
   * again with {@link siteRegionKindDimensions} (Kind `call`).
   */
  callSetupTime: { name: 'CallSetupTime', unit: 'Milliseconds' },
  /**
   * The quorum decision about a site as this region holds it, once per probe round: 1 down, 0 up.
   * Alarms and Route 53 CLOUDWATCH_METRIC health checks watch its Maximum over one minute. Missing
   * data means this region's probe is silent, not that the site changed, so readers keep the last
   * known state (Route 53 `LastKnownStatus`, alarms `ignore`); the heartbeat alarm reports the silence.
   */
  siteDown: { name: 'SiteDown', unit: 'None' },
  /** 1 per probe invocation that ran its rounds; the "monitor stopped reporting" alarm watches its Sum. */
  probeHeartbeat: { name: 'ProbeHeartbeat', unit: 'Count' },
  /**
   * Once per probe round when control targets are configured: 1 when the region reached at least one,
   * 0 when it reached none (its own network is in trouble; its failing rounds are abstentions).
   */
  controlReachable: { name: 'ControlReachable', unit: 'Count' },
  /**
   * Once per probe invocation, in the heartbeat's document: the rounds in which this region abstained
   * because its replica of the strongly consistent incident table could not reach the other replicas
   * (isolated, or replicated write conflicts outlasting the retries), 0 when none. Such a round
   * records no decision and announces nothing: the region does not vote.
   */
  replicationAbstained: { name: 'ReplicationAbstained', unit: 'Count' },
} as const satisfies Record<string, MetricDefinition>;

/**
 * The metrics about a site's running incident, each with {@link siteDimensions}. They are gauges:
 * every value is the incident's state as the incident table holds it when the value is written, so
 * a dashboard reads their Maximum per minute. The orchestrator writes them when a forwarding run ends
 * (done, handed to a continuation, or joined); the failback function writes them on every step it
 * takes for an incident that is past forwarding, in every watchdog region, so each region's
 * dashboard keeps showing the incident while the site is down and numbers come home.
 */
export const ORCHESTRATOR_METRICS = {
  /** Numbers of the incident that the carriers confirmed forwarded (by any run so far). */
  numbersForwarded: { name: 'NumbersForwarded', unit: 'Count' },
  /** Numbers of the incident that could not be forwarded (the runs gave up on them). */
  numbersFailed: { name: 'NumbersFailed', unit: 'Count' },
  /** Numbers of the incident neither forwarded nor failed yet (left for a continuation). */
  numbersPending: { name: 'NumbersPending', unit: 'Count' },
  /**
   * How far failback has got: the cumulative percentage of the last finished wave (10, 25, ...,
   * 100), 0 while the first wave runs. Written only once failback has started.
   */
  failbackWave: { name: 'FailbackWave', unit: 'Percent' },
} as const satisfies Record<string, MetricDefinition>;

/** The kinds of endpoint a probe checks, the values of the `Kind` dimension (`call`: test calls). */
export type ProbeKind = 'sip' | 'http' | 'call';

/** A dimension map: dimension name to value, exactly the set a metric is emitted with. */
export type MetricDimensions = Record<string, string>;

/** `{Deployment, Region}`: the probe heartbeat of one region. */
export function regionDimensions(deployment: string, region: string): MetricDimensions {
  return { [DIMENSION_NAMES.deployment]: deployment, [DIMENSION_NAMES.region]: region };
}

/** `{Deployment, Site}`: orchestrator and failback metrics, which are about a site's incident, not a region. */
export function siteDimensions(deployment: string, siteId: string): MetricDimensions {
  return { [DIMENSION_NAMES.deployment]: deployment, [DIMENSION_NAMES.site]: siteId };
}

/** `{Deployment, Site, Region}`: one site as seen (and decided) from one region. */
export function siteRegionDimensions(deployment: string, siteId: string, region: string): MetricDimensions {
  return { ...siteDimensions(deployment, siteId), [DIMENSION_NAMES.region]: region };
}

/** `{Deployment, Site, Region, Kind}`: one site's SIP or HTTP endpoints as seen from one region. */
export function siteRegionKindDimensions(
  deployment: string,
  siteId: string,
  region: string,
  kind: ProbeKind,
): MetricDimensions {
  return { ...siteRegionDimensions(deployment, siteId, region), [DIMENSION_NAMES.kind]: kind };
}

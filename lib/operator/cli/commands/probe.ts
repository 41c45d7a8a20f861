/**
 * `carrier-failover probe [--site ID]`: one probe round of a site (every site without --site) from
 * this machine, with the probes the watchdog regions run: SIP OPTIONS to each SBC, a GET of each
 * health URL and every test call (placed now whatever its interval; digest credentials from
 * TEST_CALL_USERNAME and TEST_CALL_PASSWORD), each with its answer and time (a call's is its setup
 * time, INVITE to first answer). Answers "is it down for me too?" during an incident; the config's control targets,
 * requested beside them, tell whether this machine's own network is the trouble.
 */
import { EnvironmentCallCredentials } from '../../../../lambdas/adapters/probes/call-credentials';
import { probeControlTarget } from '../../../../lambdas/adapters/probes/control-probe';
import { probeSite } from '../../../../lambdas/adapters/probes/probe-site';
import { judgeRound } from '../../../../lambdas/domain/detection/judge-round';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { formatTable } from '../support/output';

export interface ProbeArgs {
  site?: string;
}

/** One endpoint's verdict. */
export interface EndpointVerdict {
  endpoint: string;
  healthy: boolean;
  latencyMs: number | null;
  reason: string | null;
}

/** The `--json` result. */
export interface ProbeCommandResult {
  at: string;
  timeoutMs: number;
  healthy: boolean;
  sites: {
    siteId: string;
    role: string;
    /** The round's verdict as a watchdog region would judge it (all SIP, all HTTP or all test calls failing fails it). */
    roundOk: boolean;
    roundReason: string;
    endpoints: EndpointVerdict[];
  }[];
  /**
   * The config's control targets from this machine: whether any answered (null when there are
   * none). None answering means this machine's own network is the likely problem.
   */
  control: { reached: boolean | null; targets: EndpointVerdict[] };
}

/** Probes in parallel and prints each endpoint's verdict; exit 0 when all are healthy, 5 otherwise. */
export const runProbe: CommandHandler<ProbeArgs> = async (args, context) => {
  const config = context.config();
  const sites = args.site !== undefined ? [context.site(args.site)] : config.sites;
  const now = context.io.now();
  const timeoutMs = config.detection.probeTimeoutMs;
  const calls = sites.reduce((count, site) => count + site.calls.length, 0);
  context.out.info(
    `Probing ${sites.map((site) => site.id).join(', ')} from this machine (timeout ${timeoutMs} ms${calls > 0 ? `, ${calls} test call(s)` : ''})...`,
  );
  const controlTargets = config.detection.controlTargets;
  const controlProbes = Promise.all(
    controlTargets.map(async (url): Promise<EndpointVerdict> => {
      const verdict = await probeControlTarget(url, { timeoutMs });
      return { endpoint: url, healthy: verdict.ok, latencyMs: verdict.latencyMs, reason: verdict.reason };
    }),
  );
  const probed = await Promise.all(
    sites.map(async (site) => {
      const observations = await probeSite(
        site,
        { region: 'local', at: now },
        {
          timeoutMs,
          calls: {
            probeIntervalSeconds: config.detection.probeIntervalSeconds,
            credentials: new EnvironmentCallCredentials(context.io.env),
            ignoreIntervals: true,
          },
        },
      );
      const round = judgeRound(observations);
      return {
        siteId: site.id,
        role: site.role,
        roundOk: round.ok,
        roundReason: round.reason,
        endpoints: observations.map(
          (observation): EndpointVerdict => ({
            endpoint: observation.endpoint,
            healthy: observation.ok,
            latencyMs: observation.latencyMs ?? null,
            reason: observation.reason ?? null,
          }),
        ),
      };
    }),
  );
  const targets = await controlProbes;
  const reached = targets.length === 0 ? null : targets.some((target) => target.healthy);
  const healthy = probed.every((site) => site.endpoints.every((endpoint) => endpoint.healthy));
  const result: ProbeCommandResult = {
    at: new Date(now).toISOString(),
    timeoutMs,
    healthy,
    sites: probed,
    control: { reached, targets },
  };
  const row = (site: string, endpoint: EndpointVerdict, verdicts: [string, string]) => [
    site,
    endpoint.endpoint,
    endpoint.healthy ? verdicts[0] : verdicts[1],
    endpoint.latencyMs === null ? '-' : `${endpoint.latencyMs} ms`,
    endpoint.reason ?? '',
  ];
  context.out.result(result, () =>
    [
      formatTable(
        ['SITE', 'ENDPOINT', 'VERDICT', 'TIME', 'ANSWER'],
        [
          ...probed.flatMap((site) =>
            site.endpoints.map((endpoint) => row(site.siteId, endpoint, ['healthy', 'UNHEALTHY'])),
          ),
          ...targets.map((target) => row('(control)', target, ['reached', 'UNREACHED'])),
        ],
      ),
      '',
      ...probed.map(
        (site) => `${site.siteId}: round ${site.roundOk ? 'passes' : 'FAILS'} (${site.roundReason})`,
      ),
      ...(reached === false
        ? [
            'No control target answered either: the network of this machine is the likely problem, not the sites.',
          ]
        : []),
    ].join('\n'),
  );
  return healthy ? ExitCode.ok : ExitCode.partialFailure;
};

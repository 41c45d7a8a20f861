/**
 * What every command handler gets: the output, the global options, the process (io), and lazily
 * the deployment's config, plan and AWS clients. Loading is lazy so offline commands never touch
 * the AWS SDK and `config check` stays fast.
 */
import { userInfo } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import type { PlanEntry } from '../../../../lambdas/contracts/config/plan-entry';
import type { Config, Site } from '../../../../lambdas/contracts/config/schema';
import {
  DEFAULT_CONFIG_PATH,
  type Deployment,
  loadConfig,
  loadDeployment,
} from '../../../config/load-config';
import type { AwsContext } from './aws-context';
import { CliError } from './cli-error';
import { ExitCode } from './exit-codes';
import type { CliIo, CliOutput } from './output';

/** Options every command accepts (declared once, on the program). */
export interface GlobalOptions {
  /** `--config PATH`: the deployment's config file. */
  config: string;
  /** `--json`: one JSON document on stdout. */
  json: boolean;
  /** `--region REGION`: use this AWS region only. */
  region?: string;
  /** `--verbose`: causes of errors and more detail on stderr. */
  verbose: boolean;
}

/** A command handler: does its work and returns the process exit code (lib/operator/cli/exit-codes.ts). */
export type CommandHandler<Args> = (args: Args, context: CommandContext) => Promise<number>;

/** The per-invocation state shared by the handlers. */
export class CommandContext {
  private loadedDeployment?: Deployment;
  private loadedConfig?: Config;
  private awsContext?: AwsContext;

  constructor(
    readonly out: CliOutput,
    readonly globals: GlobalOptions,
    readonly io: CliIo,
  ) {}

  /** The config alone (for commands that do not need the plan). Throws ConfigError. */
  config(): Config {
    this.loadedConfig ??= this.loadedDeployment?.config ?? loadConfig(resolve(this.globals.config));
    return this.loadedConfig;
  }

  /** The config and its forwarding plan, both validated. Throws ConfigError. */
  deployment(): Deployment {
    this.loadedDeployment ??= loadDeployment(this.globals.config);
    this.loadedConfig = this.loadedDeployment.config;
    return this.loadedDeployment;
  }

  /** A path as messages show it: relative to the working directory when that is shorter. */
  displayPath(path: string): string {
    const fromHere = relative(process.cwd(), path);
    return fromHere.startsWith('..') ? path : fromHere;
  }

  /** A command line to paste next: `carrier-failover <rest>`, with --config when it is not the default. */
  commandLine(rest: string): string {
    const configPath = resolve(this.globals.config);
    const flag = configPath === DEFAULT_CONFIG_PATH ? '' : ` --config ${this.displayPath(configPath)}`;
    return `carrier-failover ${rest}${flag}`;
  }

  /** The plan file the config names. */
  planPathOf(configPath: string, config: Config): string {
    return resolve(dirname(resolve(configPath)), config.forwardingPlan);
  }

  /**
   * The site with this id. An unknown id is "not found" (exit 2) and lists the known ones; with
   * `role: 'primary'` a standby site is refused (exit 1), since only primaries are failed over.
   */
  site(siteId: string, options: { role?: 'primary' } = {}): Site {
    const config = this.config();
    const site = config.sites.find((candidate) => candidate.id === siteId);
    if (!site) {
      throw new CliError(
        ExitCode.notFound,
        `unknown site "${siteId}": ${config.deployment} has ${config.sites.map((known) => known.id).join(', ')} (from ${this.displayPath(this.globals.config)}); pass one of them with --site`,
      );
    }
    if (options.role === 'primary' && site.role !== 'primary') {
      const primaries = config.sites
        .filter((candidate) => candidate.role === 'primary')
        .map((known) => known.id);
      throw new CliError(
        ExitCode.invalid,
        `site "${siteId}" is a standby site, which is watched but never failed over or back; primary sites: ${primaries.join(', ') || 'none'}`,
      );
    }
    return site;
  }

  /** The plan's entries, of one site when `siteId` is given (the site must exist). */
  planEntries(siteId: string | undefined): PlanEntry[] {
    const { plan } = this.deployment();
    if (siteId === undefined) return plan;
    this.site(siteId);
    return plan.filter((entry) => entry.siteId === siteId);
  }

  /**
   * Who is acting, for the incident's audit trail: `--operator NAME`, else the login name. Refuses
   * (exit 1) when neither is known, rather than recording an anonymous action.
   */
  operatorName(explicit: string | undefined): string {
    const candidates = [explicit, this.io.env.USER, this.io.env.LOGNAME, this.io.env.USERNAME];
    let name = candidates.map((candidate) => candidate?.trim()).find((candidate) => candidate);
    if (!name) {
      try {
        name = userInfo().username;
      } catch {
        // No passwd entry (some containers): fall through to the error below.
      }
    }
    if (!name) {
      throw new CliError(ExitCode.invalid, 'cannot tell who you are: name yourself with --operator NAME');
    }
    if (name.length > 200) throw new CliError(ExitCode.invalid, '--operator: at most 200 characters');
    return name;
  }

  /** AWS clients for this deployment's regions, with the home-first region fallback. */
  async aws(): Promise<AwsContext> {
    if (this.awsContext) return this.awsContext;
    const config = this.config();
    const forcedRegion = this.globals.region;
    const known = [...new Set([config.homeRegion, ...config.watchdogRegions])];
    if (forcedRegion !== undefined && !known.includes(forcedRegion)) {
      throw new CliError(
        ExitCode.invalid,
        `--region ${forcedRegion} is not a region of ${config.deployment}; use one of ${known.join(', ')}`,
      );
    }
    // Loaded here, not at the top: offline commands never load the AWS SDK.
    const { AwsContext } = await import('./aws-context');
    this.awsContext = new AwsContext({
      deployment: config,
      forcedRegion,
      log: (line) => this.out.info(line),
    });
    return this.awsContext;
  }

  /** Releases what the command opened (AWS connections). */
  close(): void {
    this.awsContext?.close();
  }
}

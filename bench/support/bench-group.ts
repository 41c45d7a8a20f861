/**
 * The contract between `npm run bench` and its groups. A group measures one thing end to end and
 * hands back both what machines read (a JSON fragment) and what people read (a Markdown section);
 * the runner only schedules groups, so adding one is a file in bench/groups plus a registry line.
 */

/** What the runner gives every group. */
export interface BenchContext {
  /** Progress for people: goes to stderr, so `--json` keeps stdout to the one document. */
  log(message: string): void;
}

/** What a group measured. */
export interface BenchGroupResult {
  /**
   * Merged into the top level of the `--json` document, so each group owns its key (e.g.
   * `{ forwarding: {...} }`) and two groups never collide.
   */
  json: Record<string, unknown>;
  /** The section body in BENCHMARKS.md, without its heading or date (the writer adds those). */
  markdown: string;
}

/** One benchmark group. */
export interface BenchGroup {
  /** Kebab-case name, used by `--only` and as the section id in BENCHMARKS.md. */
  readonly name: string;
  /** One sentence: what is measured, against what. */
  readonly description: string;
  run(context: BenchContext): Promise<BenchGroupResult>;
}

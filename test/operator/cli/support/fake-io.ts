import type { CliIo } from '../../../../lib/operator/cli/support/output';

/** A CliIo for in-process runs: captured output, scripted answers, a fixed clock. */
export interface FakeIo extends CliIo {
  readonly out: string;
  readonly err: string;
  readonly questions: string[];
}

/** `answers` are typed in order; undefined ends the input (Ctrl-D). */
export function fakeIo(
  options: {
    interactive?: boolean;
    answers?: (string | undefined)[];
    now?: number;
    env?: Record<string, string>;
  } = {},
): FakeIo {
  let out = '';
  let err = '';
  const questions: string[] = [];
  const answers = [...(options.answers ?? [])];
  return {
    stdout: {
      write: (text: string) => {
        out += text;
      },
    },
    stderr: {
      write: (text: string) => {
        err += text;
      },
      isTTY: false,
    },
    interactive: options.interactive ?? false,
    ask: async (question) => {
      questions.push(question);
      return answers.shift();
    },
    env: { USER: 'jdoe', ...options.env },
    now: () => options.now ?? Date.UTC(2026, 7, 12, 9, 0, 0),
    get out() {
      return out;
    },
    get err() {
      return err;
    },
    questions,
  };
}

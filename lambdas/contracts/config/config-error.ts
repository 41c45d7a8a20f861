import { ValidationError } from '../errors';

/**
 * A config or forwarding plan that cannot be used. `problems` lists every problem found, one line each,
 * already naming the file and the field path or CSV line; the message is printed without a stack trace.
 */
export class ConfigError extends ValidationError {
  constructor(problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):`, problems);
    this.name = 'ConfigError';
  }
}

import { en } from 'zod/locales';
import * as z from 'zod/mini';

/**
 * Imported for its effect by every zod/mini schema of ours. zod/mini loads no locale, so its issues
 * would read only "Invalid input"; the classic API registers English on first use. Registering it here
 * keeps a Lambda's messages ("Invalid input: expected string, received undefined") what they are in
 * the CLI and the tests, for about 3 KB (the English locale alone, not every locale).
 */
z.config(en());

import { UsageError } from '../../core/errors.ts';

export default async function (_argv: string[]): Promise<number> {
  throw new UsageError('this command is not available in this build yet', 'sandbox');
}

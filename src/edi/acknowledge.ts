import type { FunctionalAck, SegmentError, TransactionAck } from './documents.ts';
import type { ParseResult, Transaction, X12Problem } from './x12.ts';

/**
 * What a receiving translator answers to an interchange: a 997 per functional group. Envelope faults
 * become AK5/AK9 codes, body faults (from `validate`) AK3/AK4. Faults of the interchange itself
 * (ISA, terminator, IEA) cannot be answered by a 997; that is the transport receipt's job, so this
 * returns undefined with the reason.
 */
export type Acknowledgement = { acks: FunctionalAck[] } | { acks?: undefined; interchangeProblems: X12Problem[] };

const INTERCHANGE_CODES = new Set(['x12.empty', 'x12.noIsa', 'x12.isa', 'x12.isaLength', 'x12.segmentTerminator', 'x12.ieaCount', 'x12.ieaControlNumber']);

export function acknowledge(parsed: ParseResult, validate: (tx: Transaction) => SegmentError[] = () => []): Acknowledgement {
  const ic = parsed.interchange;
  const interchangeProblems = parsed.problems.filter((p) => INTERCHANGE_CODES.has(p.code) || (p.segment === 'IEA' && p.code === 'x12.envelope'));
  if (!ic || interchangeProblems.length > 0 || ic.groups.length === 0) {
    return { interchangeProblems: interchangeProblems.length > 0 ? interchangeProblems : parsed.problems };
  }
  const acks: FunctionalAck[] = ic.groups.map((g) => {
    const groupProblems = parsed.problems.filter((p) => p.segment === 'GE' && (p.groupControlNumber === undefined || p.groupControlNumber === g.controlNumber));
    const codes: string[] = [];
    for (const p of groupProblems) {
      if (p.code === 'x12.geControlNumber') codes.push('4');
      else if (p.code === 'x12.geCount') codes.push('5');
      else codes.push('3');
    }
    const transactions: TransactionAck[] = g.transactions.map((t) => {
      const txProblems = parsed.problems.filter(
        (p) => p.segment === 'SE' && (p.transactionControlNumber === undefined || p.transactionControlNumber === t.controlNumber),
      );
      const txCodes: string[] = [];
      for (const p of txProblems) {
        if (p.code === 'x12.seControlNumber') txCodes.push('3');
        else if (p.code === 'x12.seCount') txCodes.push('4');
        else txCodes.push('2');
      }
      const errors = txCodes.length > 0 ? [] : validate(t);
      if (errors.length > 0) txCodes.push('5');
      return { type: t.type, controlNumber: t.controlNumber, status: txCodes.length > 0 ? 'R' : 'A', codes: txCodes, errors };
    });
    const accepted = transactions.filter((t) => t.status === 'A' || t.status === 'E').length;
    const status = codes.length > 0 || accepted === 0 ? 'R' : accepted < transactions.length ? 'P' : transactions.some((t) => t.status === 'E') ? 'E' : 'A';
    return {
      functionalId: g.functionalId,
      groupControlNumber: g.controlNumber,
      status,
      included: transactions.length,
      received: transactions.length,
      accepted: codes.length > 0 ? 0 : accepted,
      codes,
      transactions: codes.length > 0 ? transactions.map((t) => ({ ...t, status: t.status === 'A' ? 'R' : t.status })) : transactions,
    };
  });
  return { acks };
}

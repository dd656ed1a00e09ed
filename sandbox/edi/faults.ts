/**
 * The EDI gateway's faults in the shape of the sandbox's fault catalogue (sandbox/faults.ts FAULTS):
 * value syntax, effect, and a parse that throws on a bad value.
 */
export const EDI_FAULTS = {
  'edi.ackRejected': {
    value: '[<SEG>[:<element>]]',
    effect: '997 rejects the 850 (AK5 R, AK9 R) with AK3/AK4 naming the segment and element (default PO1 element 3, the unit)',
    parse(raw: string | undefined) {
      if (raw !== undefined && raw !== '' && !/^[A-Z][A-Z0-9]{1,2}(:\d{1,2})?$/.test(raw)) throw new Error(`expects SEG or SEG:element such as PO1:3, got '${raw}'`);
      return {};
    },
  },
  'edi.noAck': {
    value: '',
    effect: 'no 997 is sent for inbound 850s',
    parse(raw: string | undefined) {
      if (raw !== undefined && raw !== '' && raw !== 'true' && raw !== 'on') throw new Error(`takes no value, got '${raw}'`);
      return {};
    },
  },
  'edi.asnTotalsMismatch': {
    value: '',
    effect: '856 ASN: the first item quantity differs from what shipped (CTT hash keeps the shipped total)',
    parse(raw: string | undefined) {
      if (raw !== undefined && raw !== '' && raw !== 'true' && raw !== 'on') throw new Error(`takes no value, got '${raw}'`);
      return {};
    },
  },
  'edi.envelopeRejected': {
    value: '[<TA105 note code>]',
    effect: 'inbound interchanges are rejected at the envelope: a TA1 R with that note code (default 006, invalid sender ID) instead of a 997; the orders are not processed',
    parse(raw: string | undefined) {
      if (raw !== undefined && raw !== '' && !/^\d{3}$/.test(raw)) throw new Error(`expects a 3-digit TA105 note code such as 006, got '${raw}'`);
      return {};
    },
  },
  'edi.lateFile': {
    value: '<minutes>',
    effect: 'outbound EDI documents reach the outbox folder and mailbox that many minutes late',
    parse(raw: string | undefined) {
      const n = Number(raw);
      if (raw === undefined || raw === '' || !Number.isFinite(n) || n < 0) throw new Error(`expects a number of minutes >= 0, got ${raw === undefined ? 'no value' : `'${raw}'`}`);
      return { ms: n * 60_000 };
    },
  },
} as const;


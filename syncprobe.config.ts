import { defineConfig } from './src/engine/index.ts';
import { referenceSystems } from './src/config/reference-stack.ts';
import { ediSystem } from './src/edi/scenario.ts';

// The embedded stack answers in fractions of a second: its SLAs are scaled to match.
const SANDBOX_SLA = {
  'middleware.delivered': 3_000,
  'erp.created': 3_000,
  'erp.released': 3_000,
  'wms.allocated': 3_000,
  'wms.shipped': 3_000,
  'erp.shipmentConfirmed': 3_000,
  'notifications.shipped': 3_000,
  'storefront.statusUpdated': 3_000,
  'erp.onHandUpdated': 3_000,
  'storefront.availabilityUpdated': 3_000,
  'erp.onHandReversed': 3_000,
  'storefront.availabilityReversed': 3_000,
  'edi.acknowledged': 3_000,
  'edi.poAcknowledged': 3_000,
  'edi.asnReceived': 3_000,
};

/**
 * Environments and systems. `sandbox` (the default) and `sandbox-v2` start the embedded reference
 * stack when their systems carry no URLs. To monitor real systems, add an environment with each
 * system's baseUrl, auth (the client secret comes from an environment variable) and CA, and the
 * lookups that say where its records and timestamps are (see docs/engine.md).
 */
export default defineConfig({
  defaultEnvironment: 'sandbox',
  marker: { customer: 'SYNTHETIC-PROBE', referencePrefix: 'SP-' },
  scenarios: './scenarios',
  // Business SLAs (ms); the clock of each starts at the milestone named in the scenario.
  sla: {
    'middleware.delivered': 60_000,
    'erp.created': 120_000,
    'erp.released': 120_000,
    'wms.allocated': 300_000,
    'wms.shipped': 600_000,
    'erp.shipmentConfirmed': 300_000,
    'notifications.shipped': 600_000,
    'storefront.statusUpdated': 300_000,
    'erp.onHandUpdated': 120_000,
    'storefront.availabilityUpdated': 300_000,
    'erp.onHandReversed': 120_000,
    'storefront.availabilityReversed': 300_000,
    // Trading-partner agreements: the 997 within 15 minutes, the 855 within the hour, the 856 soon after shipping.
    'edi.acknowledged': 900_000,
    'edi.poAcknowledged': 3_600_000,
    'edi.asnReceived': 900_000,
  },
  polling: { initialMs: 100, factor: 1.5, maxMs: 10_000, graceFactor: 2 },
  timeouts: { scenarioMs: 30 * 60_000, cleanupMs: 60_000 },
  orphanSweep: { olderThanMs: 15 * 60_000 },
  clockSkewToleranceMs: 500,
  environments: {
    sandbox: {
      sandbox: { erpVersion: 'v1', latencyMs: 200 },
      systems: { ...referenceSystems('v1'), edi: ediSystem() },
      // The notification webhooks arrive here (any free port on loopback).
      inbox: {},
      sla: SANDBOX_SLA,
      polling: { initialMs: 25, maxMs: 500 },
    },
    'sandbox-v2': {
      sandbox: { erpVersion: 'v2', latencyMs: 200 },
      systems: { ...referenceSystems('v2'), edi: ediSystem() },
      // The notification webhooks arrive here (any free port on loopback).
      inbox: {},
      sla: SANDBOX_SLA,
      polling: { initialMs: 25, maxMs: 500 },
    },
  },
});

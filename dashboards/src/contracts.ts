import { dashboard, tagVariable, type Dashboard } from './grafana.ts';
import { ENV, alertAnnotation, envVariable, where } from './common.ts';

const API = `"api" =~ /^$api$/`;
const PROVIDER = `"provider" =~ /^$provider$/`;
const PARTNER = `"partner" =~ /^$partner$/`;

/** Schema and contract drift of the APIs the integration depends on, and provider verification results. */
export function contracts(): Dashboard {
  return dashboard({
    uid: 'syncprobe-contracts',
    title: 'syncprobe / Contracts and drift',
    description: 'Drift of live responses and vendor releases against the Pact contracts and JSON Schemas, the last verification per provider, and what EDI trading partners acknowledge.',
    tags: ['contracts'],
    time: { from: 'now-7d', to: 'now' },
    variables: [
      envVariable(),
      tagVariable('api', 'API', 'contract_drift', 'api', { where: ENV, allValue: '.*' }),
      tagVariable('provider', 'Provider', 'contract_verification', 'provider', { where: ENV, allValue: '.*' }),
      tagVariable('partner', 'EDI partner', 'edi_check', 'partner', { where: ENV, allValue: '.*' }),
    ],
    annotations: [alertAnnotation()],
    panels: [
      {
        type: 'stat',
        title: 'Drift events by severity',
        description: 'Drift findings in the time range, per severity.',
        w: 8,
        h: 5,
        queries: [{ query: `SELECT count("message") AS "events" FROM "contract_drift" WHERE ${where(ENV, API)} GROUP BY "severity"`, alias: '$tag_severity' }],
        thresholds: { base: 'green', steps: [['orange', 1]] },
        options: { graphMode: 'none' },
      },
      {
        type: 'table',
        title: 'Last verification result per provider',
        description: 'The latest contract verification of each provider: verdict, interactions verified and failed.',
        w: 16,
        h: 5,
        queries: [
          {
            query: `SELECT last("status") AS "status", "interactions", "failures" FROM "contract_verification" WHERE ${where(ENV, PROVIDER)} GROUP BY "provider"`,
            format: 'table',
          },
        ],
        mappings: [
          {
            type: 'value',
            options: {
              ok: { color: 'green', index: 0, text: 'passed' },
              warning: { color: 'orange', index: 1, text: 'warning' },
              critical: { color: 'red', index: 2, text: 'failed' },
              unknown: { color: 'purple', index: 3, text: 'could not verify' },
            },
          },
        ],
        overrides: [
          { matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'displayName', value: 'Verified' }] },
          { matcher: { id: 'byName', options: 'status' }, properties: [{ id: 'custom.cellOptions', value: { type: 'color-background' } }] },
        ],
      },
      {
        type: 'timeseries',
        title: 'Drift events by API and severity',
        description: 'When each API started to drift from its contract, and how severely.',
        w: 24,
        h: 8,
        queries: [
          {
            query: `SELECT count("message") AS "events" FROM "contract_drift" WHERE ${where(ENV, API)} GROUP BY time($__interval), "api", "severity" fill(0)`,
            alias: '$tag_api $tag_severity',
          },
        ],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
      },
      {
        type: 'table',
        title: 'Latest drift findings',
        description: 'The most recent drift findings with what changed.',
        w: 24,
        h: 8,
        queries: [{ query: `SELECT "api", "severity", "message" FROM "contract_drift" WHERE ${where(ENV, API)} ORDER BY time DESC LIMIT 50`, format: 'table' }],
      },
      {
        type: 'table',
        title: 'EDI checks per partner: latest result',
        description: 'Per trading partner and EDI check (997 acknowledgements, file arrival window): the latest verdict, what it found and the figures.',
        w: 12,
        h: 7,
        queries: [
          {
            query: `SELECT last("status") AS "status", "problems", "acks", "accepted", "rejected", "margin_minutes" FROM "edi_check" WHERE ${where(ENV, PARTNER)} GROUP BY "partner", "check"`,
            format: 'table',
          },
        ],
        mappings: [
          {
            type: 'value',
            options: {
              ok: { color: 'green', index: 0 },
              warning: { color: 'orange', index: 1 },
              critical: { color: 'red', index: 2 },
              unknown: { color: 'purple', index: 3 },
            },
          },
        ],
        overrides: [
          { matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'displayName', value: 'Checked' }] },
          { matcher: { id: 'byName', options: 'status' }, properties: [{ id: 'custom.cellOptions', value: { type: 'color-background' } }] },
        ],
      },
      {
        type: 'timeseries',
        title: 'EDI checks not ok by partner',
        description: 'Rejected or erroneous 997s and files outside their arrival window, per partner: since when a partner has been refusing what the integration sends.',
        w: 12,
        h: 7,
        queries: [
          {
            query: `SELECT count("status_code") AS "findings" FROM "edi_check" WHERE ${where(ENV, PARTNER, `"status_code" > 0`)} GROUP BY time($__interval), "partner", "check" fill(0)`,
            alias: '$tag_partner $tag_check',
          },
        ],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
      },
    ],
  });
}

import { dashboard, tagVariable, type Dashboard } from './grafana.ts';
import { ENV, alertAnnotation, envVariable, where } from './common.ts';

const TARGET = `"target" =~ /^$target$/`;
const STATUS_MAPPINGS = [
  {
    type: 'value',
    options: {
      ok: { color: 'green', index: 0 },
      warning: { color: 'orange', index: 1 },
      critical: { color: 'red', index: 2 },
      unknown: { color: 'purple', index: 3 },
    },
  },
];

/** Certificates and OAuth clients before they break a connector. */
export function certificates(): Dashboard {
  return dashboard({
    uid: 'syncprobe-certificates',
    title: 'syncprobe / Certificates and tokens',
    description: 'TLS certificate expiry per endpoint and OAuth client token acquisition per connector.',
    tags: ['tls', 'oauth'],
    time: { from: 'now-7d', to: 'now' },
    variables: [envVariable(), tagVariable('target', 'Target', '', 'target', { where: ENV, allValue: '.*' })],
    annotations: [alertAnnotation()],
    panels: [
      {
        type: 'bargauge',
        title: 'TLS certificate days left per target',
        description: 'Days until the served leaf certificate expires; orange under 30 days, red under 7.',
        w: 12,
        h: 8,
        queries: [{ query: `SELECT last("days_left") AS "days left" FROM "tls_cert" WHERE ${where(ENV, TARGET)} GROUP BY "target"`, alias: '$tag_target' }],
        unit: 'suffix: d',
        decimals: 0,
        min: 0,
        thresholds: { base: 'red', steps: [['orange', 7], ['green', 30]] },
      },
      {
        type: 'bargauge',
        title: 'Chain: days until the first certificate expires',
        description: 'The earliest expiry anywhere in the presented chain (intermediates included).',
        w: 12,
        h: 8,
        queries: [{ query: `SELECT last("chain_days_left") AS "chain days left" FROM "tls_cert" WHERE ${where(ENV, TARGET)} GROUP BY "target"`, alias: '$tag_target' }],
        unit: 'suffix: d',
        decimals: 0,
        min: 0,
        thresholds: { base: 'red', steps: [['orange', 7], ['green', 30]] },
      },
      {
        type: 'timeseries',
        title: 'Token acquisition time',
        description: 'Time to obtain an access token per OAuth client (client credentials grant).',
        w: 12,
        h: 8,
        queries: [{ query: `SELECT mean("acquire_ms") AS "acquire" FROM "oauth_client" WHERE ${where(ENV, TARGET)} GROUP BY time($__interval), "target" fill(none)`, alias: '$tag_target' }],
        unit: 'ms',
      },
      {
        type: 'timeseries',
        title: 'Token acquisition failures',
        description: 'OAuth client checks that did not end ok: expired or rotated secrets, refused grants, unreachable token endpoint.',
        w: 12,
        h: 8,
        queries: [
          {
            query: `SELECT count("status") AS "failures" FROM "oauth_client" WHERE ${where(ENV, TARGET, `"status" != 'ok'`)} GROUP BY time($__interval), "target" fill(0)`,
            alias: '$tag_target',
          },
        ],
        custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } },
      },
      {
        type: 'table',
        title: 'OAuth clients: latest check',
        description: 'Per client: the latest verdict, acquisition time and the lifetime of the token it got.',
        w: 24,
        h: 7,
        queries: [
          {
            query: `SELECT last("status") AS "status", "acquire_ms", "lifetime_s" FROM "oauth_client" WHERE ${where(ENV, TARGET)} GROUP BY "target"`,
            format: 'table',
          },
        ],
        mappings: STATUS_MAPPINGS,
        overrides: [
          { matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'displayName', value: 'Checked' }] },
          { matcher: { id: 'byName', options: 'status' }, properties: [{ id: 'custom.cellOptions', value: { type: 'color-background' } }] },
        ],
      },
    ],
  });
}

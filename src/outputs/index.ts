export { SinkMultiplexer } from './sinks.ts';
export { ReporterMultiplexer } from './reporters.ts';
export { OutputErrorLog } from './report-error.ts';
export { createReporters, registerReporter, reporterNames, type ReporterFactory } from './registry.ts';

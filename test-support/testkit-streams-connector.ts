import type { AnyConnector } from '../connectors/sdk/define-connector.ts';
import type { StreamDefinition } from '../connectors/sdk/connector.types.ts';
import { ConnectorError, type FailureCode } from '../connectors/sdk/failure.ts';
import { schedulesOff } from './schedules-off.ts';
import { testkit } from './testkit-connector.ts';

// The test kit with two streams, `alpha` and `beta`, each of which keeps failing with the code a
// test gives it until the test clears it — one stream the account may not read while the other
// works, say. A separate connector, so tests of the one-stream kit keep their single run per sync.

export const TESTKIT_STREAMS = ['alpha', 'beta'] as const;
export type TestkitStream = (typeof TESTKIT_STREAMS)[number];

const failing = new Map<string, Map<TestkitStream, FailureCode>>();

/** The failure each stream of the dataset repeats on every poll (set it, delete it to heal the stream). */
export function streamFailures(dataset: string): Map<TestkitStream, FailureCode> {
  let streams = failing.get(dataset);
  if (!streams) {
    streams = new Map();
    failing.set(dataset, streams);
  }
  return streams;
}

function scriptedStream(name: TestkitStream): StreamDefinition<unknown, unknown> {
  return {
    description: `Stream ${name}: fails while a test says so, else one empty page`,
    defaultIntervalSeconds: 60,
    async *poll(ctx) {
      const code = streamFailures((ctx.config as { dataset: string }).dataset).get(name);
      if (code) throw new ConnectorError(code, `scripted ${code} on stream ${name}`);
      yield { records: [], cursor: { polled: name } };
    },
  };
}

export const testkitStreams: AnyConnector = {
  ...testkit,
  id: 'testkit_streams',
  displayName: 'Test kit (two streams)',
  streams: Object.fromEntries(TESTKIT_STREAMS.map((name) => [name, scriptedStream(name)])),
};

/** Schedules off for both streams: the tests sync them one at a time. */
export const TESTKIT_STREAMS_SCHEDULES_OFF = schedulesOff(testkitStreams);

import { formatServiceNowTime, startFakeServiceNow, type FakeRecord } from '../test-support/fake-servicenow/index.ts';

// The fake ServiceNow instance for the poll benchmark, in a process of its own: a real instance is
// another machine, so serving pages must not take turns with the hub on the hub's event loop.
// Protocol (IPC): argv[2] = record count; sends { url, records } once seeded; answers 'requests'
// with the number of requests served; exits on 'close'.

/** Records as an instance holds them; one second apart, as changes trickle in on a real table. */
function seedRecords(count: number): (index: number) => Partial<FakeRecord> {
  const start = Date.now() - (count + 60) * 1000;
  return (index) => {
    const at = formatServiceNowTime(new Date(start + index * 1000));
    return {
      short_description: `Control test failed for application ${index % 97}`,
      description: 'Quarterly access review found accounts without an owner; follow the runbook.',
      state: String(1 + (index % 6)),
      priority: String(1 + (index % 4)),
      category: 'software',
      assignment_group: 'a'.repeat(32),
      sys_created_on: at,
      sys_updated_on: at,
    };
  };
}

const count = Number(process.argv[2]);
const fake = await startFakeServiceNow();
fake.records.seed('incident', count, seedRecords(count));
process.send?.({ url: fake.url, records: fake.records.list('incident') });
process.on('message', (message) => {
  if (message === 'requests') process.send?.({ requests: fake.requests.length });
  if (message === 'close') void fake.close().then(() => process.exit(0));
});

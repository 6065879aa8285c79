import { describe, expect, it } from 'vitest';
import { encodedQuery, listQuery, parseLinkHeader } from './client.ts';
import { ServiceNowConfig } from './config.ts';

const base = 'https://acme.service-now.com/api/now/table/incident';

describe('parseLinkHeader', () => {
  it('reads ServiceNow\'s header: absolute URLs, quoted rels, no spaces', () => {
    const header =
      `<${base}?sysparm_limit=2&sysparm_offset=0>;rel="first",<${base}?sysparm_limit=2&sysparm_offset=0>;rel="prev",` +
      `<${base}?sysparm_limit=2&sysparm_offset=4>;rel="next",<${base}?sysparm_limit=2&sysparm_offset=8>;rel="last"`;
    const links = parseLinkHeader(header);
    expect(links.get('next')).toBe(`${base}?sysparm_limit=2&sysparm_offset=4`);
    expect(links.get('last')).toBe(`${base}?sysparm_limit=2&sysparm_offset=8`);
    expect([...links.keys()]).toEqual(['first', 'prev', 'next', 'last']);
  });

  it('keeps commas inside URLs (sysparm_fields) and tolerates spacing, bare and upper-case rels', () => {
    const header = ` < ${base}?sysparm_fields=sys_id,number&sysparm_offset=10 > ; REL = next , <${base}?sysparm_offset=0>; title="a, <b>"; rel=first`;
    const links = parseLinkHeader(header);
    expect(links.get('next')).toBe(`${base}?sysparm_fields=sys_id,number&sysparm_offset=10`);
    expect(links.get('first')).toBe(`${base}?sysparm_offset=0`);
  });

  it('splits several rels in one value and keeps the first link of a rel', () => {
    const links = parseLinkHeader(`<${base}?o=1>; rel="next last", <${base}?o=2>; rel="next"`);
    expect(links.get('next')).toBe(`${base}?o=1`);
    expect(links.get('last')).toBe(`${base}?o=1`);
  });

  it('resolves relative targets against the request URL', () => {
    expect(parseLinkHeader('</api/now/table/incident?sysparm_offset=5>; rel="next"', `${base}?x=1`).get('next')).toBe(`${base}?sysparm_offset=5`);
  });

  it('returns nothing for a missing, empty or garbled header', () => {
    expect(parseLinkHeader(undefined).size).toBe(0);
    expect(parseLinkHeader('').size).toBe(0);
    expect(parseLinkHeader('rel="next"').size).toBe(0);
    expect(parseLinkHeader('<not a url>; rel="next"').size).toBe(0);
    expect(parseLinkHeader(`<${base}?o=1`).size).toBe(0);
    expect(parseLinkHeader(`<${base}?o=1>`).size).toBe(0);
  });
});

describe('encodedQuery', () => {
  const T = '2024-05-01 10:00:00';

  it('builds the incremental query with a total order', () => {
    expect(encodedQuery({ kind: 'from_second', updatedOn: T }, undefined)).toBe('sys_updated_on>=2024-05-01 10:00:00^ORDERBYsys_updated_on^ORDERBYsys_id');
  });

  it('reads the rest of one second by keyset, and what follows the second', () => {
    // ASSUMPTION (not in the fact sheet): `sys_id>` compares sys_ids as strings, in ORDERBYsys_id order.
    expect(encodedQuery({ kind: 'within_second', updatedOn: T, afterSysId: '9d385017c611228701d22104cc95c371' }, undefined)).toBe(
      'sys_updated_on=2024-05-01 10:00:00^sys_id>9d385017c611228701d22104cc95c371^ORDERBYsys_updated_on^ORDERBYsys_id',
    );
    expect(encodedQuery({ kind: 'after_second', updatedOn: T }, undefined)).toBe('sys_updated_on>2024-05-01 10:00:00^ORDERBYsys_updated_on^ORDERBYsys_id');
  });

  it('reads everything in order without a cursor', () => {
    expect(encodedQuery(undefined, undefined)).toBe('ORDERBYsys_updated_on^ORDERBYsys_id');
  });

  it('ANDs the admin\'s query, dropping stray carets and the ^EQ terminator', () => {
    expect(encodedQuery({ kind: 'from_second', updatedOn: T }, '^active=true^ORpriority=1^EQ')).toBe(
      'active=true^ORpriority=1^sys_updated_on>=2024-05-01 10:00:00^ORDERBYsys_updated_on^ORDERBYsys_id',
    );
  });

  it('asks for raw values without reference links, one page of pageSize', () => {
    const config = ServiceNowConfig.parse({ instanceUrl: 'https://acme.service-now.com', pageSize: 50 });
    expect(listQuery(config, undefined)).toEqual({
      sysparm_query: 'ORDERBYsys_updated_on^ORDERBYsys_id',
      sysparm_limit: 50,
      sysparm_exclude_reference_link: 'true',
      sysparm_display_value: 'false',
    });
  });
});

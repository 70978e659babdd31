import type { SimConfig } from './config';
import { canonicalEntityType } from './constants';
import { cardKey, parseFormatExpression, uniqueIdOf } from './formats';
import { literal, tokenize, unescapeValue, type Token } from './query-parser';
import { invalidOperation, SdkFailure } from './sdk-failure';
import type { Entity, Store } from './store';

/**
 * `GET report/{ReportType}?q=…`. Reports return GUIDs only [C S-PHP, S-VRFID, S-CAM]. Paging is 1-based and
 * answers PageSize+1 rows when another page exists [C-2nd S-GUIDE, C-obs S-LQ]. An unknown filter fails with
 * the message recorded from a live server: "Could not find property 'Page' from filter: 'Page=1'" [C-obs S-HTP].
 */
export type Row = { Guid: string };

const unknownFilter = (t: Token) => {
  const name = t.kind === 'call' ? t.target.join('.') : t.kind === 'entity' ? 'entity' : t.kind === 'read' ? t.path.join('.') : t.prop;
  return invalidOperation(`Could not find property '${name}' from filter: '${t.raw}'`);
};

interface Paging {
  page?: number;
  pageSize?: number;
}

function readPaging(t: Extract<Token, { kind: 'set' }>, paging: Paging) {
  const v = literal(t.value);
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1) throw invalidOperation(`'${v}' is not a valid value for ${t.prop}: expected an integer of 1 or more.`);
  if (t.prop.toLowerCase() === 'page') paging.page = n;
  else paging.pageSize = n;
}

/** Without Page/PageSize everything is returned; PageSize defaults to 1000 once Page is given [I]. */
function applyPaging(rows: Row[], p: Paging): Row[] {
  if (p.page === undefined && p.pageSize === undefined) return rows;
  const size = p.pageSize ?? 1000;
  const start = ((p.page ?? 1) - 1) * size;
  return rows.slice(start, start + size + 1);
}

const SEARCH_MODES = ['StartsWith', 'Contains', 'Is', 'EndsWith', 'DoesNotStartWith', 'DoesNotContain', 'IsNot'] as const;
type SearchMode = (typeof SEARCH_MODES)[number];

function matches(value: string, pattern: string, mode: SearchMode): boolean {
  const v = value.toLowerCase();
  const p = pattern.toLowerCase();
  switch (mode) {
    case 'StartsWith':
      return v.startsWith(p);
    case 'Contains':
      return v.includes(p);
    case 'Is':
      return v === p;
    case 'EndsWith':
      return v.endsWith(p);
    case 'DoesNotStartWith':
      return !v.startsWith(p);
    case 'DoesNotContain':
      return !v.includes(p);
    case 'IsNot':
      return v !== p;
  }
}

/** Entity order is by name, then creation [I: real ordering is undocumented]. */
function byName(a: Entity, b: Entity) {
  return a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.seq - b.seq;
}

export function entityConfiguration(store: Store, q: string | null): Row[] {
  const types = new Set<string>();
  let name: string | undefined;
  let mode: SearchMode = 'StartsWith';
  let description: string | undefined;
  let logicalId: number | undefined;
  const paging: Paging = {};
  for (const t of q ? tokenize(q) : []) {
    const key = t.kind === 'set' || t.kind === 'add' ? t.prop.toLowerCase() : '';
    if (t.kind === 'add' && key === 'entitytypes') {
      for (const item of t.items) {
        const type = canonicalEntityType(item);
        if (!type) throw invalidOperation(`Unknown entity type '${item}' in filter: '${t.raw}'`);
        types.add(type);
      }
    } else if (t.kind === 'set' && key === 'name') name = literal(t.value);
    else if (t.kind === 'set' && key === 'namesearchmode') {
      const v = literal(t.value).toLowerCase();
      const m = SEARCH_MODES.find((x) => x.toLowerCase() === v);
      if (!m) throw invalidOperation(`'${literal(t.value)}' is not a valid NameSearchMode.`);
      mode = m;
    } else if (t.kind === 'set' && key === 'description') description = literal(t.value);
    else if (t.kind === 'set' && key === 'logicalid') {
      logicalId = Number(literal(t.value));
      if (!Number.isInteger(logicalId)) throw invalidOperation(`'${literal(t.value)}' is not a valid LogicalId.`);
    } else if (t.kind === 'set' && (key === 'page' || key === 'pagesize')) readPaging(t, paging);
    else if (isDownloadAllRelatedData(t)) continue;
    else throw unknownFilter(t);
  }
  const rows = store
    .all()
    .filter((e) => (types.size ? types.has(e.type) : e.type !== 'SystemConfiguration'))
    .filter((e) => name === undefined || matches(e.name, name, mode))
    // Description filter: contains, case-insensitive [I: S-LQ shows the filter, not its semantics].
    .filter((e) => description === undefined || e.description.toLowerCase().includes(description.toLowerCase()))
    .filter((e) => logicalId === undefined || e.logicalId === logicalId)
    .sort(byName)
    .map((e) => ({ Guid: e.guid }));
  return applyPaging(rows, paging);
}

export function credentialConfiguration(store: Store, config: SimConfig, q: string | null): Row[] {
  const keys: string[] = [];
  const bare: string[] = [];
  let filtered = false;
  let unassignedOnly = false;
  const paging: Paging = {};
  for (const t of q ? tokenize(q) : []) {
    const key = t.kind === 'set' || t.kind === 'add' ? t.prop.toLowerCase() : '';
    if (t.kind === 'add' && key === 'uniqueids') {
      filtered = true;
      for (const item of t.items) {
        const f = parseFormatExpression(item, config.errorCodes, { refuseDecoded: config.refuseDecodedCredentialFormat });
        if (f) keys.push(cardKey(f));
        else bare.push(unescapeValue(item).trim().toUpperCase());
      }
    } else if (t.kind === 'set' && (key === 'page' || key === 'pagesize')) readPaging(t, paging);
    else if (t.kind === 'set' && key === 'unassignedonly') unassignedOnly = /^true$/i.test(literal(t.value));
    else if (isDownloadAllRelatedData(t)) continue;
    else throw unknownFilter(t);
  }
  const rows = store
    .ofType('Credential')
    .filter((c) => !unassignedOnly || !c.cardholderGuid)
    .filter((c) => {
      if (!filtered) return true;
      if (!c.format) return false;
      return keys.includes(cardKey(c.format)) || bare.includes(uniqueIdOf(c.format).toUpperCase());
    })
    .sort(byName)
    .map((c) => ({ Guid: c.guid }));
  return applyPaging(rows, paging);
}

/** Only so the recorded "Page" failure can be replayed: activity reports take no Page [C-obs S-HTP]. */
function doorActivity(q: string | null): Row[] {
  for (const t of q ? tokenize(q) : []) {
    const key = t.kind === 'set' || t.kind === 'add' ? t.prop.toLowerCase() : t.kind === 'call' ? t.target.join('.').toLowerCase() : '';
    if (['doors', 'maximumresultcount', 'timerange.settimerange', 'events'].includes(key)) continue;
    throw unknownFilter(t);
  }
  return [];
}

export function runReport(store: Store, config: SimConfig, reportType: string, q: string | null): Row[] {
  switch (reportType.toLowerCase()) {
    case 'entityconfiguration':
      return entityConfiguration(store, q);
    case 'credentialconfiguration':
      return credentialConfiguration(store, config, q);
    case 'dooractivity':
      return doorActivity(q);
    default:
      throw new SdkFailure(config.errorCodes.unsupported, `The report type '${reportType}' is unsupported in simulator.`);
  }
}

/**
 * A flag the simulator ignores (it has no cache to warm): `DownloadAllRelatedData=true` as the developer guide
 * writes it [C-2nd S-GUIDE], or bare as S-LQ's EntityConfigurationQuery.cs sends it.
 */
function isDownloadAllRelatedData(t: Token): boolean {
  const name = t.kind === 'set' ? t.prop : t.kind === 'read' ? t.path.join('.') : '';
  return name.toLowerCase() === 'downloadallrelateddata';
}

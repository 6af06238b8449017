import { Select, Tag } from "antd";
import { useEffect, useRef, useState } from "react";
import { api, type Query } from "../api/client";
import type { FieldDef, RecordData } from "../api/types";
import { titleField } from "../definition";
import { useFieldEnvironment } from "./context";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asIds, asNumber, asString, singleTitle, titleList } from "./values";

const SEARCH_DELAY_MS = 300;
const PAGE_SIZE = 20;

interface Option {
  value: number;
  label: string;
}

function recordTitle(record: RecordData, field: string | undefined): string {
  return (field && asString(record[field])) || `#${record.id}`;
}

/**
 * Linkage: the list query that keeps only records matching the form (`filter_by`),
 * from the values beside the input now. A blank field here filters nothing, as on the server.
 */
function linkageFilter(field: FieldDef, siblings: Record<string, unknown>): Query {
  const query: Query = {};
  for (const [theirs, here] of Object.entries(field.filter_by ?? {})) {
    const value = siblings[here];
    if (typeof value === "number" || (typeof value === "string" && value !== "")) query[theirs] = value;
  }
  return query;
}

/** Remote search over the target entity; the latest answer wins, earlier ones are dropped. */
function useTargetSearch(field: FieldDef) {
  const target = field.target ?? "";
  const environment = useFieldEnvironment();
  const { app, definition } = environment;
  const envRef = useRef(environment);
  envRef.current = environment;
  const [options, setOptions] = useState<Option[]>([]);
  const [loading, setLoading] = useState(false);
  const latest = useRef(0);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => () => window.clearTimeout(timer.current), []);

  const search = (text: string) => {
    window.clearTimeout(timer.current);
    const ticket = ++latest.current;
    setLoading(true);
    timer.current = window.setTimeout(() => {
      api
        .listRecords(app, target, {
          ...linkageFilter(field, envRef.current.siblings?.() ?? {}),
          q: text,
          page_size: PAGE_SIZE,
        })
        .then((page) => {
          if (ticket !== latest.current) return;
          const field = titleField(definition, target);
          setOptions(page.items.map((item) => ({ value: item.id, label: recordTitle(item, field) })));
        })
        .catch(() => {
          if (ticket === latest.current) setOptions([]);
        })
        .finally(() => {
          if (ticket === latest.current) setLoading(false);
        });
    }, SEARCH_DELAY_MS);
  };

  return { options, loading, search };
}

/**
 * Labels of the chosen records, which the latest search may not list: the
 * options picked in this session, else the record's `_display` titles.
 */
function useChosenLabels(titles: (string | null)[], ids: number[]) {
  const chosen = useRef(new Map<number, string>());
  const remember = (options: Option[]) => options.forEach((option) => chosen.current.set(option.value, option.label));
  const labelOf = (id: number, index: number) => chosen.current.get(id) ?? titles[index] ?? `#${id}`;
  const currentOptions = ids.map((id, index) => ({ value: id, label: labelOf(id, index) }));
  return { remember, currentOptions };
}

function withCurrent(options: Option[], current: Option[]): Option[] {
  const listed = new Set(options.map((option) => option.value));
  return [...current.filter((option) => !listed.has(option.value)), ...options];
}

/**
 * Linkage: after a pick, the fields the link fills (`fill`) take the chosen
 * record's values; the latest pick wins. Values come as the API reads them,
 * the wire format the form holds; the server fills the same on save.
 */
function useFill(field: FieldDef) {
  const environment = useFieldEnvironment();
  const envRef = useRef(environment);
  envRef.current = environment;
  const latest = useRef(0);
  return (recordId: number | null) => {
    const fill = Object.entries(field.fill ?? {});
    const ticket = ++latest.current;
    if (!fill.length || recordId === null || !field.target) return;
    const { app } = envRef.current;
    api
      .getRecord(app, field.target, recordId)
      .then((chosen) => {
        if (ticket !== latest.current) return;
        const values = Object.fromEntries(fill.map(([here, theirs]) => [here, chosen[theirs] ?? null]));
        envRef.current.setSiblings?.(values, field.key);
      })
      // Not readable (or gone): nothing is filled, the save fills what the server may.
      .catch(() => undefined);
  };
}

function LinkInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { display } = useFieldEnvironment();
  const { options, loading, search } = useTargetSearch(field);
  const fill = useFill(field);
  const current = asNumber(value);
  const title = singleTitle(display[field.key]);
  const { remember, currentOptions } = useChosenLabels(title ? [title] : [], current === null ? [] : [current]);

  return (
    <Select<number | null, Option>
      id={id}
      {...aria}
      allowClear
      disabled={disabled}
      loading={loading}
      showSearch={{ filterOption: false, onSearch: search }}
      onOpenChange={(open) => open && search("")}
      options={withCurrent(options, currentOptions)}
      value={current}
      onChange={(next, option) => {
        if (option && !Array.isArray(option)) remember([option]);
        onChange?.(next ?? null);
        fill(next ?? null);
      }}
    />
  );
}

function LinksInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { display } = useFieldEnvironment();
  const { options, loading, search } = useTargetSearch(field);
  const ids = asIds(value);
  const { remember, currentOptions } = useChosenLabels(titleList(display[field.key]), ids);

  return (
    <Select<number[], Option>
      id={id}
      {...aria}
      mode="multiple"
      allowClear
      disabled={disabled}
      loading={loading}
      maxCount={field.max_links}
      showSearch={{ filterOption: false, onSearch: search }}
      onOpenChange={(open) => open && search("")}
      options={withCurrent(options, currentOptions)}
      value={ids}
      onChange={(next, picked) => {
        remember(Array.isArray(picked) ? picked : []);
        onChange?.(next);
      }}
    />
  );
}

export const link: FieldRenderer = {
  Input: LinkInput,
  display: (value, _field, { title }) => {
    const recordId = asNumber(value);
    return recordId === null ? "" : (singleTitle(title) ?? `#${recordId}`);
  },
};

export const links: FieldRenderer = {
  Input: LinksInput,
  display: (value, _field, { title }) => {
    const titles = titleList(title);
    return asIds(value).map((recordId, index) => <Tag key={recordId}>{titles[index] ?? `#${recordId}`}</Tag>);
  },
};

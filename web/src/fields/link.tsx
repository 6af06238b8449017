import { Select, Tag } from "antd";
import { useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { RecordData } from "../api/types";
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

/** Remote search over the target entity; the latest answer wins, earlier ones are dropped. */
function useTargetSearch(target: string) {
  const { app, definition } = useFieldEnvironment();
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
        .listRecords(app, target, { q: text, page_size: PAGE_SIZE })
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

function LinkInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { display } = useFieldEnvironment();
  const { options, loading, search } = useTargetSearch(field.target ?? "");
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
      }}
    />
  );
}

function LinksInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { display } = useFieldEnvironment();
  const { options, loading, search } = useTargetSearch(field.target ?? "");
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

import { Select } from "antd";
import { useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { RecordData } from "../api/types";
import { titleField } from "../definition";
import { useFieldEnvironment } from "./context";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asNumber, asString } from "./values";

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

function LinkInput({ field, value, onChange, id, ...aria }: FieldInputProps) {
  const { display } = useFieldEnvironment();
  const { options, loading, search } = useTargetSearch(field.target ?? "");
  const current = asNumber(value);
  const [chosen, setChosen] = useState<Option | null>(null);

  // The selected record must stay labelled even when the latest search does not list it.
  const currentOption =
    current === null
      ? null
      : chosen?.value === current
        ? chosen
        : { value: current, label: display[field.key] ?? `#${current}` };
  const merged = currentOption && !options.some((o) => o.value === current) ? [currentOption, ...options] : options;

  return (
    <Select<number | null, Option>
      id={id}
      {...aria}
      allowClear
      loading={loading}
      showSearch={{ filterOption: false, onSearch: search }}
      onOpenChange={(open) => open && search("")}
      options={merged}
      value={current}
      onChange={(next, option) => {
        setChosen(option && !Array.isArray(option) ? option : null);
        onChange?.(next ?? null);
      }}
    />
  );
}

export const link: FieldRenderer = {
  Input: LinkInput,
  display: (value, _field, { title }) => {
    const recordId = asNumber(value);
    return recordId === null ? "" : (title ?? `#${recordId}`);
  },
};

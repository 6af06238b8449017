import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Flex, Input } from "antd";
import { useI18n } from "../hooks/useI18n";

/** Name → text pairs (headers, free-form settings); renaming a key keeps its place. */
export function MapEditor({
  id,
  value,
  onChange,
}: {
  id: string;
  value: Record<string, string>;
  onChange: (next: Record<string, string> | undefined) => void;
}) {
  const { t } = useI18n();
  const entries = Object.entries(value);
  const write = (next: [string, string][]) => onChange(next.length ? Object.fromEntries(next) : undefined);
  return (
    <Flex vertical gap="small" id={id}>
      {entries.map(([key, text], index) => (
        <Flex key={index} gap="small">
          <Input
            aria-label={t("mapKey")}
            value={key}
            onChange={(event) => write(entries.map((entry, at) => (at === index ? [event.target.value, entry[1]] : entry)))}
          />
          <Input
            aria-label={t("mapValue")}
            value={text}
            onChange={(event) => write(entries.map((entry, at) => (at === index ? [entry[0], event.target.value] : entry)))}
          />
          <Button
            icon={<DeleteOutlined />}
            aria-label={t("remove")}
            onClick={() => write(entries.filter((_, at) => at !== index))}
          />
        </Flex>
      ))}
      <Button icon={<PlusOutlined />} onClick={() => write([...entries, ["", ""]])}>
        {t("add")}
      </Button>
    </Flex>
  );
}

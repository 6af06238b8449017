import { Segmented } from "antd";
import { useI18n } from "../hooks/useI18n";
import type { Lang } from "../i18n";

const OPTIONS: { value: Lang; label: string }[] = [
  { value: "zh-CN", label: "中文" },
  { value: "en", label: "English" },
];

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <Segmented<Lang>
      aria-label={t("language")}
      data-testid="language-switch"
      options={OPTIONS}
      value={lang}
      onChange={setLang}
    />
  );
}

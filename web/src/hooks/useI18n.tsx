import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { applyLang, currentLang, pickLabel, translate, type Lang, type LabelOf, type Translate } from "../i18n";

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
  label: LabelOf;
}

const I18nContext = createContext<I18n | null>(null);

/** Holds the UI language; switching it re-renders every text and antd/dayjs locale. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => applyLang(currentLang(), { persist: false }));
  const setLang = useCallback((next: Lang) => setLangState(applyLang(next, { persist: true })), []);

  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      label: (text, fallback) => pickLabel(text, lang, fallback),
    }),
    [lang, setLang],
  );

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error("useI18n outside I18nProvider");
  return i18n;
}

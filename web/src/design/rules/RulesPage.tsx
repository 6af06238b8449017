import { Spin } from "antd";
import { Route, Routes } from "react-router-dom";
import { rulesApi } from "../../api/rules";
import { LoadError } from "../../components/LoadError";
import { useI18n } from "../../hooks/useI18n";
import { useLoader } from "../../hooks/useLoader";
import { RuleDesignContext, type RuleDesign } from "./context";
import { RuleEditor } from "./RuleEditor";
import { RuleList } from "./RuleList";

/** The rules design page: the list, and the editor at `new` or a rule's key. */
export function RulesPage() {
  const { lang } = useI18n();
  // Labels and descriptions come in the UI's language: asked again when it changes.
  const { data, error } = useLoader(
    () =>
      Promise.all([rulesApi.catalogue(lang), rulesApi.functions()]).then(
        ([catalogue, functions]): RuleDesign => ({ catalogue, functions }),
      ),
    [lang],
  );
  if (error) return <LoadError error={error} />;
  if (!data) return <Spin className="fw-center" />;
  return (
    <RuleDesignContext.Provider value={data}>
      <Routes>
        <Route index element={<RuleList />} />
        <Route path="new" element={<RuleEditor />} />
        <Route path=":key" element={<RuleEditor />} />
      </Routes>
    </RuleDesignContext.Provider>
  );
}

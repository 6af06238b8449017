import { createContext, useContext } from "react";
import type { FunctionInfo, RuleCatalogue } from "../../api/rules";

/** What every part of the rule designer needs from the server: the catalogue and the functions. */
export interface RuleDesign {
  catalogue: RuleCatalogue;
  functions: FunctionInfo[];
}

export const RuleDesignContext = createContext<RuleDesign | null>(null);

export function useRuleDesign(): RuleDesign {
  const design = useContext(RuleDesignContext);
  if (!design) throw new Error("useRuleDesign outside RulesPage");
  return design;
}

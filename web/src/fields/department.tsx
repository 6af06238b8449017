import { TreeSelect } from "antd";
import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { Department } from "../api/types";
import { useFieldEnvironment } from "./context";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asNumber, singleTitle } from "./values";

/** The organisation changes rarely: fetched once per page load, shared by all department inputs. */
let departmentsRequest: Promise<Department[]> | null = null;

function loadDepartments(): Promise<Department[]> {
  departmentsRequest ??= api.departments().catch((error: unknown) => {
    departmentsRequest = null;
    throw error;
  });
  return departmentsRequest;
}

interface TreeNode {
  value: number;
  title: string;
  children: TreeNode[];
}

/** The parent pointers as a tree; a department whose parent is not listed starts a tree of its own. */
function toTree(departments: Department[]): TreeNode[] {
  const nodes = new Map(departments.map((d) => [d.id, { value: d.id, title: d.name, children: [] as TreeNode[] }]));
  const roots: TreeNode[] = [];
  for (const department of departments) {
    const node = nodes.get(department.id)!;
    const parent = department.parent_id === null ? undefined : nodes.get(department.parent_id);
    // A parent pointer into its own subtree would make a cycle: such a department is shown at the top.
    if (parent && parent !== node && !isBelow(parent, node)) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

function isBelow(candidate: TreeNode, root: TreeNode): boolean {
  const stack = [...root.children];
  for (let guard = 0; stack.length && guard < 10_000; guard++) {
    const node = stack.pop()!;
    if (node === candidate) return true;
    stack.push(...node.children);
  }
  return false;
}

function useDepartmentTree(): { tree: TreeNode[]; loading: boolean } {
  const [departments, setDepartments] = useState<Department[] | null>(null);
  useEffect(() => {
    let active = true;
    loadDepartments()
      .then((loaded) => active && setDepartments(loaded))
      .catch(() => active && setDepartments([]));
    return () => {
      active = false;
    };
  }, []);
  return { tree: toTree(departments ?? []), loading: departments === null };
}

function DepartmentInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { display } = useFieldEnvironment();
  const { tree, loading } = useDepartmentTree();
  const current = asNumber(value);
  // Until the tree arrives the record's own title labels the value.
  const title = singleTitle(display[field.key]);
  const treeData =
    current !== null && loading ? [{ value: current, title: title ?? `#${current}`, children: [] }] : tree;
  return (
    <TreeSelect<number | null>
      id={id}
      {...aria}
      allowClear
      disabled={disabled}
      loading={loading}
      showSearch
      treeNodeFilterProp="title"
      treeDefaultExpandAll
      treeData={treeData}
      value={current}
      onChange={(next) => onChange?.(next ?? null)}
    />
  );
}

export const department: FieldRenderer = {
  Input: DepartmentInput,
  display: (value, _field, { title }) => {
    const departmentId = asNumber(value);
    return departmentId === null ? "" : (singleTitle(title) ?? `#${departmentId}`);
  },
};

import { Select, Tag } from "antd";
import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { User } from "../api/types";
import { useFieldEnvironment } from "./context";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asIds, asNumber, singleTitle, titleList } from "./values";

/** The tenant's users change rarely: fetched once per page load, shared by all user inputs. */
let usersRequest: Promise<User[]> | null = null;

function loadUsers(): Promise<User[]> {
  usersRequest ??= api.users().catch((error: unknown) => {
    usersRequest = null;
    throw error;
  });
  return usersRequest;
}

export function useUsers(): { users: User[]; loading: boolean } {
  const [users, setUsers] = useState<User[] | null>(null);
  useEffect(() => {
    let active = true;
    loadUsers()
      .then((loaded) => active && setUsers(loaded))
      .catch(() => active && setUsers([]));
    return () => {
      active = false;
    };
  }, []);
  return { users: users ?? [], loading: users === null };
}

/** Everyone listed, plus chosen people not (yet) listed under the record's own titles. */
function useUserOptions(ids: number[], titles: (string | undefined | null)[]) {
  const { users, loading } = useUsers();
  const options = users.map((user) => ({ value: user.id, label: user.display_name || user.username }));
  const listed = new Set(users.map((user) => user.id));
  ids.forEach((userId, index) => {
    if (!listed.has(userId)) options.unshift({ value: userId, label: titles[index] ?? `#${userId}` });
  });
  return { options, loading };
}

function UserInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { display } = useFieldEnvironment();
  const current = asNumber(value);
  const { options, loading } = useUserOptions(current === null ? [] : [current], [singleTitle(display[field.key])]);
  return (
    <Select<number | null>
      id={id}
      {...aria}
      allowClear
      disabled={disabled}
      loading={loading}
      showSearch={{ optionFilterProp: "label" }}
      options={options}
      value={current}
      onChange={(next) => onChange?.(next ?? null)}
    />
  );
}

function UsersInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { display } = useFieldEnvironment();
  const ids = asIds(value);
  const { options, loading } = useUserOptions(ids, titleList(display[field.key]));
  return (
    <Select<number[]>
      id={id}
      {...aria}
      mode="multiple"
      allowClear
      disabled={disabled}
      loading={loading}
      maxCount={field.max_users}
      showSearch={{ optionFilterProp: "label" }}
      options={options}
      value={ids}
      onChange={(next) => onChange?.(next)}
    />
  );
}

export const user: FieldRenderer = {
  Input: UserInput,
  display: (value, _field, { title }) => {
    const userId = asNumber(value);
    return userId === null ? "" : (singleTitle(title) ?? `#${userId}`);
  },
};

export const users: FieldRenderer = {
  Input: UsersInput,
  display: (value, _field, { title }) => {
    const titles = titleList(title);
    return asIds(value).map((userId, index) => <Tag key={userId}>{titles[index] ?? `#${userId}`}</Tag>);
  },
};

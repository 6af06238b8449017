import { Select } from "antd";
import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { User } from "../api/types";
import { useFieldEnvironment } from "./context";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asNumber } from "./values";

/** The tenant's users change rarely: fetched once per page load, shared by all user inputs. */
let usersRequest: Promise<User[]> | null = null;

function loadUsers(): Promise<User[]> {
  usersRequest ??= api.users().catch((error: unknown) => {
    usersRequest = null;
    throw error;
  });
  return usersRequest;
}

function useUsers(): { users: User[]; loading: boolean } {
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

function UserInput({ field, value, onChange, id, ...aria }: FieldInputProps) {
  const { display } = useFieldEnvironment();
  const { users, loading } = useUsers();
  const current = asNumber(value);
  const options = users.map((user) => ({ value: user.id, label: user.display_name || user.username }));
  // Until the list arrives (or if the user is no longer listed) show the record's own title.
  if (current !== null && !users.some((user) => user.id === current)) {
    options.unshift({ value: current, label: display[field.key] ?? `#${current}` });
  }
  return (
    <Select<number | null>
      id={id}
      {...aria}
      allowClear
      loading={loading}
      showSearch={{ optionFilterProp: "label" }}
      options={options}
      value={current}
      onChange={(next) => onChange?.(next ?? null)}
    />
  );
}

export const user: FieldRenderer = {
  Input: UserInput,
  display: (value, _field, { title }) => {
    const userId = asNumber(value);
    return userId === null ? "" : (title ?? `#${userId}`);
  },
};

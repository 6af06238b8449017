import { useEffect } from "react";
import { Navigate, Outlet, useLocation, useNavigate } from "react-router-dom";
import { onUnauthorized, session } from "../api/client";

export interface LoginRedirectState {
  from?: string;
}

/** Routes below need a token; an API call answering 401 also leads back to the login page. */
export function RequireAuth() {
  const location = useLocation();
  const navigate = useNavigate();
  const here = location.pathname + location.search;

  useEffect(() => {
    onUnauthorized(() => navigate("/login", { replace: true, state: { from: here } satisfies LoginRedirectState }));
  }, [navigate, here]);

  if (!session.token()) return <Navigate to="/login" replace state={{ from: here } satisfies LoginRedirectState} />;
  return <Outlet />;
}

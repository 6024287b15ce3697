-- A rate-limit take that runs inside another transaction: when any window of the budget
-- refuses, the statement fails and takes the transaction down with it, so a refused attempt
-- leaves nothing behind (src/limits/rate-limits.ts, takeIn).
CREATE FUNCTION budget_check(taken bigint, wanted integer) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF taken < wanted THEN
    RAISE EXCEPTION 'rate limit reached' USING ERRCODE = 'PRL01';
  END IF;
  RETURN true;
END
$$;

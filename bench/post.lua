-- An HTMX quantity change as wrk posts it for `make bench`: the form's fields, with the
-- buyer's CSRF token and ending in "quantity=", come from KASSA_BENCH_FORM; the quantity
-- alternates between 2 and 3, so every post changes the checkout.
local form = os.getenv("KASSA_BENCH_FORM")
local count = 0

request = function()
  count = count + 1
  return wrk.format("POST", nil, nil, form .. tostring(2 + count % 2))
end

"""What makes a stack a load-test target: the app's abuse limits relaxed, so that the generator measures
the API rather than its throttles. The limits themselves are tested elsewhere; never use these values in
production.

Behind nginx, the edge limits are relaxed the same way through the NGINX_* variables of its template
(see docs/load-testing.md).
"""

# The password `manage.py seed_demo` gives every demo user (a test keeps the two equal).
DEMO_PASSWORD = "demo-Passw0rd-2026"

# DRF throttles per client address and the failed-login guard: one generator address sends every request.
RELAXED_LIMITS = {
    "THROTTLE_LOGIN_RATE": "1000000/min",
    "THROTTLE_REGISTER_RATE": "1000000/min",
    "THROTTLE_PASSWORD_RATE": "1000000/min",
    "LOGIN_FAILURE_LIMIT": "1000000",
}

# nginx in front (the NGINX_* variables of nginx/templates/default.conf.template): per-address request
# rates, bursts and concurrent connections far above what one generator sends.
RELAXED_NGINX = {
    "NGINX_AUTH_RATE": "6000r/m",
    "NGINX_AUTH_BURST": "1000",
    "NGINX_API_RATE": "5000r/s",
    "NGINX_API_BURST": "5000",
    "NGINX_CONN_LIMIT": "5000",
}

"""Load tests (Locust), their shapes and thresholds, the local smoke run and the benchmark."""

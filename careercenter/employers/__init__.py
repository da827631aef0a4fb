"""Employers as records (names, web domains, platform ids, supervisor contacts), the supervisor
address badge, evaluation forms as versioned data, and the competencies they rate."""

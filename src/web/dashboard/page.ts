export const DASHBOARD_HTML = '<!doctype html><title>Cohort</title>';

"""The partner's page (`GET /portal/{token}`) and the operator console (`GET /console`): server-rendered HTML."""

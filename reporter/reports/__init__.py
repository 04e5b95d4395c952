"""Reports: the briefs' contents, their Word templates, the consolidated Excel report, rendering."""

from __future__ import annotations

KIND_LABELS = {
    "excel": "汇总表",
    "companion": "专报附表",
    "leader": "领导专报",
    "district": "区县专报",
    "unit": "单位专报",
    "monthly": "月度通报",
    "pdf": "PDF",
}

"""Pure text helpers for Chinese official documents: punctuation, spaces, numerals."""

from __future__ import annotations

import re

# Full-width ASCII letters and digits -> ASCII (leave full-width punctuation alone).
_FULLWIDTH_ALNUM = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}
_FULLWIDTH_ALNUM.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})
_FULLWIDTH_ALNUM.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})
_FULLWIDTH_ALNUM[0xFF0E] = ord(".")  # ．
_FULLWIDTH_ALNUM[0xFF05] = ord("%")  # ％
_FULLWIDTH_ALNUM[0x3000] = ord(" ")  # ideographic space

_HALF_TO_FULL = {"(": "（", ")": "）", ":": "：", ";": "；", "!": "！", "?": "？"}
_WIDE = r"[^\x00-\x7f]"
_SPACES_NEAR_WIDE = re.compile(rf"(?<={_WIDE})[ \u00a0]+|[ \u00a0]+(?={_WIDE})")
_COMMA_NOT_IN_NUMBER = re.compile(r"(?<!\d),|,(?!\d{3})")

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def normalize_line(line: str) -> str:
    """One line as the parser wants it: ASCII digits, full-width punctuation, no spaces next to CJK.

    >>> normalize_line("牵头领导:市长,副市长")
    '牵头领导：市长，副市长'
    >>> normalize_line("地区生产总值达到 1.7 万亿元")
    '地区生产总值达到1.7万亿元'
    """
    line = line.translate(_FULLWIDTH_ALNUM).replace("\ufeff", "").replace("\u200b", "")
    for half, full in _HALF_TO_FULL.items():
        line = line.replace(half, full)
    line = _COMMA_NOT_IN_NUMBER.sub("，", line)
    line = _SPACES_NEAR_WIDE.sub("", line)
    return re.sub(r"[ \u00a0]{2,}", " ", line).strip()


def join_lines(left: str, right: str) -> str:
    """Join two fragments of one paragraph broken by the source; keep a space only between ASCII words."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


def chinese_numeral(text: str) -> int | None:
    """``十一`` -> 11, ``二十三`` -> 23; ``None`` when it is not a Chinese numeral below 100."""
    if not text or any(ch not in CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)


def strip_punctuation(text: str) -> str:
    """Trim list separators and full stops from both ends."""
    return text.strip(" ，、；。：,;.:\t")


def display_width(text: str) -> int:
    """Width in monospace cells: CJK and full-width characters count 2."""
    return sum(1 if ch.isascii() else 2 for ch in text)


# Traditional characters common in government unit names and notices, read as simplified for matching.
_TRADITIONAL = (
    "會員區縣廳發財務統計業農經濟資環衛園開導領頭單責協鄉鎮華東門關產體廣電視網絡數據總辦處書記黨組織檢驗場監稅醫療險設備"
    "線車鐵運輸郵氣熱應災規劃執態護庫點為與進實現億萬項動條個對時長學說標辦軍務聯農區職場興築築們來後憲獄獎勞勵衛際陽陰陸隊雙雜"
    "雲靜預頒領顧飛養館馬驗鳥齊齡龍門間閱陝陳隨險隸難電靈韓頁順須頓預領題額風飯餘館髮鬥鬧鬱魯鮮鳳麥黃齊團圖圓國圍園圓場塊塵"
    "墾壓壽夢夥夾奪奮婦嬰孫寧寶寫審將專尋導對屆屬岡島峽嶺幣幫幹廟廠廢廣彈後徑從復徵德態慶憑應懷戰戶拋挾捨掃掛採揚換損搶擁擇擊"
    "據擴擴攜敗敘數斷於時晉暫曉書會朧東條來極構標樂樓樣樹橋機橫檔檢權歡歲歷歸殘氣漢滬漁潔澤濱濟濕災為烏無煉煙熱燈營爭牆獨獲現"
    "環產畫畢當療發盡監盤瞭礎確禮禦稱積穩窮競筆築節範簡糧紀約紅級紡細組結給絕統絲經綠維綜線網緊緒縣縮總績繼續纖罰義習聯聲職聽"
    "腦臨興舉艦艙藝葉著藍蘇處號蟲衛衝補製複襲規視親覺觀計訂訊討訓記設許評詞試詳誌認誤說誰調請論證識議護讀變讓豐貝負財貢貧貨"
    "販貫責貯貴貸費貼貿資賓賠賢賣質購賽贊趙趕軌軍軟較載輔輕輪輯輸轄轉農迴這連週進運過達違遙適遲遷選遺邊鄉鄭鄰酬醫釋針釣鈴銀銅"
    "銷鋪鋼錄錢錯鍛鎮鏈鐘鐵鑄長門閉開閒間閩閱隊陽陰際陸隨險隱雙雞離難雲電需霧靜預領頻顆題類顯願風飛飲飯養餘館驅驗體髮鬥魚鮮鳥"
)
_SIMPLIFIED = (
    "会员区县厅发财务统计业农经济资环卫园开导领头单责协乡镇华东门关产体广电视网络数据总办处书记党组织检验场监税医疗险设备"
    "线车铁运输邮气热应灾规划执态护库点为与进实现亿万项动条个对时长学说标办军务联农区职场兴筑筑们来后宪狱奖劳励卫际阳阴陆队双杂"
    "云静预颁领顾飞养馆马验鸟齐龄龙门间阅陕陈随险隶难电灵韩页顺须顿预领题额风饭余馆发斗闹郁鲁鲜凤麦黄齐团图圆国围园圆场块尘"
    "垦压寿梦伙夹夺奋妇婴孙宁宝写审将专寻导对届属冈岛峡岭币帮干庙厂废广弹后径从复征德态庆凭应怀战户抛挟舍扫挂采扬换损抢拥择击"
    "据扩扩携败叙数断于时晋暂晓书会胧东条来极构标乐楼样树桥机横档检权欢岁历归残气汉沪渔洁泽滨济湿灾为乌无炼烟热灯营争墙独获现"
    "环产画毕当疗发尽监盘了础确礼御称积稳穷竞笔筑节范简粮纪约红级纺细组结给绝统丝经绿维综线网紧绪县缩总绩继续纤罚义习联声职听"
    "脑临兴举舰舱艺叶著蓝苏处号虫卫冲补制复袭规视亲觉观计订讯讨训记设许评词试详志认误说谁调请论证识议护读变让丰贝负财贡贫货"
    "贩贯责贮贵贷费贴贸资宾赔贤卖质购赛赞赵赶轨军软较载辅轻轮辑输辖转农回这连周进运过达违遥适迟迁选遗边乡郑邻酬医释针钓铃银铜"
    "销铺钢录钱错锻镇链钟铁铸长门闭开闲间闽阅队阳阴际陆随险隐双鸡离难云电需雾静预领频颗题类显愿风飞饮饭养余馆驱验体发斗鱼鲜鸟"
)
_TO_SIMPLIFIED = str.maketrans(_TRADITIONAL, _SIMPLIFIED)


def to_simplified(text: str) -> str:
    """Traditional characters common in notices as simplified (for matching; the original text is kept)."""
    return text.translate(_TO_SIMPLIFIED)

import { Initial1795885596704 } from "./1795885596704-Initial";
import { KeyReminders1795886012080 } from "./1795886012080-KeyReminders";
import { UserPagingIndexes1795889390744 } from "./1795889390744-UserPagingIndexes";
import { NoPadCollation1795995000000 } from "./1795995000000-NoPadCollation";
import { LowerCasedTwins1796104724837 } from "./1796104724837-LowerCasedTwins";
import { Groups1796107754310 } from "./1796107754310-Groups";
import { RoleMappings1796117873403 } from "./1796117873403-RoleMappings";
import { AuditLog1796119761177 } from "./1796119761177-AuditLog";
import { ScimTraffic1796120174314 } from "./1796120174314-ScimTraffic";
import { HealthAlerts1796120400710 } from "./1796120400710-HealthAlerts";
import { KeyRotation1796124774395 } from "./1796124774395-KeyRotation";
import { UserCounts1796127935644 } from "./1796127935644-UserCounts";
import { OneCollation1796130000000 } from "./1796130000000-OneCollation";
import { AuditFailureCounts1796663142954 } from "./1796663142954-AuditFailureCounts";
import { KeySuccessor1796663200005 } from "./1796663200005-KeySuccessor";
import { ServerSecrets1796663300005 } from "./1796663300005-ServerSecrets";
import { SafetyNet1796678151163 } from "./1796678151163-SafetyNet";
import { OrganizationContacts1796680807195 } from "./1796680807195-OrganizationContacts";
import { ScimRequests1796681059742 } from "./1796681059742-ScimRequests";
import { DueWork1796690100005 } from "./1796690100005-DueWork";

/** Applied in this order; add each new migration at the end. */
export const MYSQL_MIGRATIONS = [Initial1795885596704, KeyReminders1795886012080, UserPagingIndexes1795889390744, NoPadCollation1795995000000, LowerCasedTwins1796104724837, Groups1796107754310, RoleMappings1796117873403, AuditLog1796119761177, ScimTraffic1796120174314, HealthAlerts1796120400710, KeyRotation1796124774395, UserCounts1796127935644, OneCollation1796130000000, AuditFailureCounts1796663142954, KeySuccessor1796663200005, ServerSecrets1796663300005, SafetyNet1796678151163, OrganizationContacts1796680807195, ScimRequests1796681059742, DueWork1796690100005];

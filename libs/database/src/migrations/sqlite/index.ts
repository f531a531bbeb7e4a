import { Initial1795885161671 } from "./1795885161671-Initial";
import { KeyReminders1795886010199 } from "./1795886010199-KeyReminders";
import { UserPagingIndexes1795889388254 } from "./1795889388254-UserPagingIndexes";
import { LowerCasedTwins1796104719645 } from "./1796104719645-LowerCasedTwins";
import { Groups1796107747252 } from "./1796107747252-Groups";
import { RoleMappings1796117869316 } from "./1796117869316-RoleMappings";
import { AuditLog1796119757641 } from "./1796119757641-AuditLog";
import { ScimTraffic1796120167496 } from "./1796120167496-ScimTraffic";
import { HealthAlerts1796120400005 } from "./1796120400005-HealthAlerts";
import { KeyRotation1796124774390 } from "./1796124774390-KeyRotation";
import { UserCounts1796127928263 } from "./1796127928263-UserCounts";
import { AuditFailureCounts1796663132835 } from "./1796663132835-AuditFailureCounts";
import { KeySuccessor1796663200000 } from "./1796663200000-KeySuccessor";
import { ServerSecrets1796663300000 } from "./1796663300000-ServerSecrets";
import { SafetyNet1796678146104 } from "./1796678146104-SafetyNet";
import { OrganizationContacts1796680778519 } from "./1796680778519-OrganizationContacts";
import { ScimRequests1796681033454 } from "./1796681033454-ScimRequests";
import { DueWork1796690100000 } from "./1796690100000-DueWork";

/** Applied in this order; add each new migration at the end. */
export const SQLITE_MIGRATIONS = [Initial1795885161671, KeyReminders1795886010199, UserPagingIndexes1795889388254, LowerCasedTwins1796104719645, Groups1796107747252, RoleMappings1796117869316, AuditLog1796119757641, ScimTraffic1796120167496, HealthAlerts1796120400005, KeyRotation1796124774390, UserCounts1796127928263, AuditFailureCounts1796663132835, KeySuccessor1796663200000, ServerSecrets1796663300000, SafetyNet1796678146104, OrganizationContacts1796680778519, ScimRequests1796681033454, DueWork1796690100000];
